import { HttpProblem } from '../../lambdas/platform/http/problem';
import { validate } from '../../lambdas/platform/http/request';
import { parseTimeRange } from '../../lambdas/tracking/domain/time-range';
import { userTagSchema } from '../../lambdas/tracking/domain/user-tag';

const valid = {
  time: '2022-03-01T00:00:00.649Z',
  cookie: 'cookie-1',
  country: 'PL',
  device: 'PC',
  action: 'VIEW',
  origin: 'origin-1',
  product_info: { product_id: 123, brand_id: 'b', category_id: 'c', price: 1000 },
};

describe('userTagSchema', () => {
  it('accepts the Allezon tag with product_id as number or string', () => {
    expect(userTagSchema.safeParse(valid).success).toBe(true);
    expect(userTagSchema.safeParse({ ...valid, product_info: { ...valid.product_info, product_id: 'sku-1' } }).success).toBe(
      true,
    );
  });

  it.each([
    ['unknown field', { ...valid, extra: 1 }, 'extra'],
    ['bad device', { ...valid, device: 'WATCH' }, 'device'],
    ['bad action', { ...valid, action: 'CLICK' }, 'action'],
    ['time without Z', { ...valid, time: '2022-03-01T00:00:00.649' }, 'time'],
    ['impossible date', { ...valid, time: '2022-02-31T00:00:00.000Z' }, 'time'],
    ['time before 2000 (no lower bound before)', { ...valid, time: '0001-01-01T00:00:00.000Z' }, 'time'],
    ['time in 1999', { ...valid, time: '1999-12-31T23:59:59.999Z' }, 'time'],
    ['price not int32', { ...valid, product_info: { ...valid.product_info, price: 2 ** 31 } }, 'product_info.price'],
    ['missing cookie', { ...valid, cookie: undefined }, 'cookie'],
  ])('rejects %s', (_label, tag, field) => {
    expect.assertions(2);
    try {
      validate(userTagSchema, tag, 'body');
    } catch (error) {
      expect(error).toBeInstanceOf(HttpProblem);
      expect((error as HttpProblem).errors!.map((e) => e.path)).toContain(`body.${field}`);
    }
  });
});

describe('parseTimeRange', () => {
  it('parses UTC times without Z into a half-open millisecond range', () => {
    expect(parseTimeRange('2022-03-01T00:00:00.000_2022-03-01T00:00:01.500')).toEqual({
      fromMs: Date.parse('2022-03-01T00:00:00.000Z'),
      toMs: Date.parse('2022-03-01T00:00:01.500Z'),
    });
  });

  it.each([
    ['2022-03-01T00:00:00.000', 'must be <from>_<to>'],
    ['2022-03-01T00:00:01.000_2022-03-01T00:00:00.000', 'from must be before to'],
    ['2022-03-01T00:00:00.000Z_2022-03-01T00:00:01.000', 'is not a time'],
    ['yesterday_today', 'is not a time'],
  ])('rejects %s', (value, message) => {
    expect(parseTimeRange(value)).toEqual(expect.stringContaining(message));
  });
});
