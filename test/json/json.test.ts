import assert from 'node:assert/strict';
import { isJsonObject, isJsonValue, isRecord } from '../../src/json';

describe('JSON checks', () => {
  it('isRecord: plain objects only', () => {
    assert.ok(isRecord({}));
    for (const value of [null, [], 'x', 1, undefined]) assert.ok(!isRecord(value), String(value));
  });

  it('isJsonValue: what JSON.parse can return', () => {
    for (const value of [null, 'x', 1, true, [1, 'a', null], { a: { b: [1] } }]) assert.ok(isJsonValue(value), JSON.stringify(value));
    for (const value of [undefined, Number.NaN, Infinity, () => 1, new Date(), { a: undefined }, [undefined]]) assert.ok(!isJsonValue(value), String(value));
  });

  it('isJsonObject: a plain object of JSON values', () => {
    assert.ok(isJsonObject({ a: 1 }));
    assert.ok(!isJsonObject([1]));
    assert.ok(!isJsonObject(new Map()));
  });
});
