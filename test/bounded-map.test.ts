import assert from 'node:assert/strict';
import { BoundedMap } from '../src/bounded-map';

describe('BoundedMap', () => {
  it('drops the oldest entry when a new key is added to a full map', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('c', 3);
    assert.deepEqual([...map.entries()], [['b', 2], ['c', 3]]);
  });

  it('replaces the value of a key it holds without dropping another', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 10);
    assert.deepEqual([...map.entries()], [['a', 10], ['b', 2]]);
  });
});
