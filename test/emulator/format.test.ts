/** The encoding, length and segment count the emulator reports as Twilio does (`num_segments`). */
import assert from 'node:assert/strict';
import { escapeControlCharacters, maskAddress, smsEncoding } from '../../src/emulator/format';

describe('emulator format: SMS encoding and segments', () => {
  const cases: Array<[string, string, 'GSM-7' | 'UCS-2', number, number]> = [
    ['an empty body (media only)', '', 'GSM-7', 0, 1],
    ['plain ASCII', 'Hello', 'GSM-7', 5, 1],
    ['160 GSM characters: one segment', 'a'.repeat(160), 'GSM-7', 160, 1],
    ['161 GSM characters: two segments of 153', 'a'.repeat(161), 'GSM-7', 161, 2],
    ['306 GSM characters: exactly two full segments', 'a'.repeat(306), 'GSM-7', 306, 2],
    ['307 GSM characters: three', 'a'.repeat(307), 'GSM-7', 307, 3],
    ['GSM accented letters of the basic table', 'èéùìòÇØøÅåÄÖÑÜ§¿äöñüà', 'GSM-7', 21, 1],
    ['80 euro signs: 160 septets, one segment', '€'.repeat(80), 'GSM-7', 80, 1],
    ['81 euro signs: 162 septets, two segments', '€'.repeat(81), 'GSM-7', 81, 2],
    ['an escape pair is never split: 152 + [ needs a new segment', `${'a'.repeat(152)}[${'a'.repeat(10)}`, 'GSM-7', 163, 2],
    ['every extension character counts twice', '^{}\\[~]|€', 'GSM-7', 9, 1],
    ['one non-GSM character makes it UCS-2', `${'a'.repeat(69)}ç`, 'UCS-2', 70, 1],
    ['71 UCS-2 characters: two segments', 'ç'.repeat(71), 'UCS-2', 71, 2],
    ['134 UCS-2 characters: two of 67', 'ç'.repeat(134), 'UCS-2', 134, 2],
    ['135 UCS-2 characters: three', 'ç'.repeat(135), 'UCS-2', 135, 3],
    ['35 emoji: 70 code units, one segment', '😀'.repeat(35), 'UCS-2', 35, 1],
    ['36 emoji: 72 code units, two segments of 33 emoji', '😀'.repeat(36), 'UCS-2', 36, 2],
    ['900 emoji: 900 characters, 28 segments (a pair is never split)', '😀'.repeat(900), 'UCS-2', 900, 28],
    ['Greek capitals of the GSM table stay GSM-7', 'ΔΦΓΛΩΠΨΣΘΞ', 'GSM-7', 10, 1],
  ];
  for (const [name, body, encoding, characters, segments] of cases) {
    it(name, () => assert.deepEqual(smsEncoding(body), { encoding, characters, segments }));
  }
});

describe('emulator format: what a log line may hold', () => {
  for (const [address, masked] of [
    ['+14155550123', '…0123'],
    ['whatsapp:+14155550123', '…0123'],
    ['someone@example.com', '…@example.com'],
    ['123', '…'],
  ] as const) {
    it(`masks ${address} as ${masked}`, () => assert.equal(maskAddress(address), masked));
  }

  it('escapes control characters and line separators', () => {
    assert.equal(escapeControlCharacters('a\nb\r\u0000\u2028\u0085c'), 'a\\u000ab\\u000d\\u0000\\u2028\\u0085c');
    assert.equal(escapeControlCharacters('plain … €'), 'plain … €');
  });
});
