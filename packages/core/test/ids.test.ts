import { describe, expect, it } from 'vitest';
import { randomId } from '@itutor/sessions-core';
import { timeOrderedId } from '@itutor/sessions-core/adapter';
import { booking, makeCore } from './support/core-fixture';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('session ids', () => {
  it('timeOrderedId makes UUID v7 whose order is the order they were made in (indexes grow at one end)', () => {
    const ids = Array.from({ length: 5_000 }, () => timeOrderedId());
    for (const id of ids) expect(id).toMatch(V7);
    expect(new Set(ids).size).toBe(ids.length);
    // Byte order of the UUID is string order of its lower-case hex form: what a B-tree on `uuid` sorts by.
    expect([...ids].sort()).toEqual(ids);
  });

  it('a v7 id carries its creation time in milliseconds', () => {
    const before = Date.now();
    const id = timeOrderedId();
    const after = Date.now();
    const ms = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('new sessions get time-ordered ids by default, random ones with ids: randomId', async () => {
    const { core } = await makeCore();
    const first = await core.sessions.create(booking());
    const second = await core.sessions.create(booking());
    expect(first.session.id).toMatch(V7);
    expect(second.session.id > first.session.id).toBe(true);

    const { core: random } = await makeCore({ ids: randomId });
    const { session } = await random.sessions.create(booking());
    expect(session.id).toMatch(V4);
  });
});
