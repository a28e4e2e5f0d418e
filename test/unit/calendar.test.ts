import { isCalendarValid } from '../../lambdas/platform/calendar';

describe('isCalendarValid', () => {
  it.each(['2022-03-01T00:00:00.649Z', '2024-02-29T23:59:59Z', '2024-05-01T10:00:00+02:00', '2022-03-01T00:05:00', '2024-05-01'])(
    'accepts %s',
    (value) => {
      expect(isCalendarValid(value)).toBe(true);
    },
  );

  it.each([
    '2022-02-29T00:00:00Z',
    '2022-02-31T00:00:00.000',
    '2022-13-01T00:00:00Z',
    '2022-04-31',
    '2022-03-01T24:00:00Z',
    '2022-03-01T23:60:00Z',
    '2022-03-01T23:59:60Z',
    'yesterday',
  ])('refuses %s', (value) => {
    expect(isCalendarValid(value)).toBe(false);
  });
});
