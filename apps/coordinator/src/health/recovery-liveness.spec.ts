import { recoveryIsLive } from './recovery-liveness';

const INTERVAL = 1000;
const PASS_LIMIT = 20_000;

describe('recoveryIsLive', () => {
  it('gives a fresh coordinator three intervals for its first pass', () => {
    const times = { since: 0, lastCompletedAt: null, runningSince: null };
    expect(recoveryIsLive(times, 3000, INTERVAL, PASS_LIMIT)).toBe(true);
    expect(recoveryIsLive(times, 3001, INTERVAL, PASS_LIMIT)).toBe(false);
  });

  it('is live while passes keep ending within three intervals', () => {
    const times = { since: 0, lastCompletedAt: 10_000, runningSince: null };
    expect(recoveryIsLive(times, 12_999, INTERVAL, PASS_LIMIT)).toBe(true);
    expect(recoveryIsLive(times, 13_001, INTERVAL, PASS_LIMIT)).toBe(false);
  });

  it('counts a long pass as work until it outlives a lease', () => {
    const times = { since: 0, lastCompletedAt: 10_000, runningSince: 10_500 };
    expect(recoveryIsLive(times, 30_500, INTERVAL, PASS_LIMIT)).toBe(true);
    expect(recoveryIsLive(times, 30_501, INTERVAL, PASS_LIMIT)).toBe(false);
  });
});
