import { DataSource } from 'typeorm';
import { defineAction, refuse, BusinessRefusal } from './action';
import { checkParticipantOptions } from './participant.module';
import type { ParticipantOptions } from './options';

class Payload {}
const action = (name: string) =>
  defineAction({
    name,
    payload: Payload,
    try: () => Promise.resolve(),
    confirm: () => Promise.resolve(),
    cancel: () => Promise.resolve(),
  });

const base: ParticipantOptions = {
  name: 'p',
  publicUrl: 'http://127.0.0.1:1',
  coordinatorUrl: 'http://127.0.0.1:2',
  apiKey: 'key',
  signingSecrets: ['secret'],
  actions: [action('reserve')],
  dataSource: new DataSource({ type: 'postgres' }),
};

describe('checkParticipantOptions', () => {
  it('accepts complete options', () => {
    expect(checkParticipantOptions(base)).toBe(base);
  });

  it('refuses options that could only fail at the first phase call', () => {
    expect(() => checkParticipantOptions({ ...base, signingSecrets: [] })).toThrow(
      /signingSecrets/,
    );
    expect(() => checkParticipantOptions({ ...base, actions: [action('a'), action('a')] })).toThrow(
      /twice/,
    );
    for (const name of ['a/b', '..', '', 'Reserve', '1st', 'x'.repeat(64)]) {
      expect(() => checkParticipantOptions({ ...base, actions: [action(name)] })).toThrow(
        /must match/,
      );
    }
    expect(() => checkParticipantOptions({ ...base, name: 'Inventory' })).toThrow(/must match/);
    expect(() => checkParticipantOptions({ ...base, dataSource: undefined })).toThrow(/dataSource/);
  });
});

describe('refuse', () => {
  it('throws a BusinessRefusal carrying the code and the detail', () => {
    let thrown: unknown;
    try {
      refuse('INSUFFICIENT_STOCK', 'only 2 left');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BusinessRefusal);
    expect(thrown).toMatchObject({ code: 'INSUFFICIENT_STOCK', message: 'only 2 left' });
  });
});
