import { minifiedJson } from '../../lambdas/platform/json-text';

describe('minifiedJson', () => {
  it('drops whitespace between tokens and keeps every token byte for byte', () => {
    const text = ' {\n\t"a" : 1.50e2 ,\r\n "b":[ "x y" , "q\\" \\\\" ,"\\u0041"], "c" : { } } ';
    expect(minifiedJson(text)).toBe('{"a":1.50e2,"b":["x y","q\\" \\\\","\\u0041"],"c":{}}');
    expect(JSON.parse(minifiedJson(text))).toEqual(JSON.parse(text));
  });

  it('leaves JSON without insignificant whitespace unchanged', () => {
    const text = '{"time":"2022-03-01T00:00:00.649Z","product_info":{"product_id":"0123","price":1000}}';
    expect(minifiedJson(text)).toBe(text);
  });
});
