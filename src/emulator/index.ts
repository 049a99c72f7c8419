/** Public API of the local Twilio emulator: a stateful, Twilio-compatible HTTP server on loopback. */
export { createEmulator, isLoopbackHost } from './server';
export type { ApiKey, EmulatorExchange, EmulatorOperation, EmulatorOptions, TwilioEmulator } from './server';
export { createClock, ManualClock } from './clock';
export type { EmulatorClock } from './clock';
export type { Fault, FaultSpec } from './faults';
export type { OutboxMessage } from './state';
export { CODE_VALIDITY_SECONDS, MAX_CHECK_ATTEMPTS, MAX_SENDS, SEND_WINDOW_SECONDS } from './verify';
export { MAGIC_NUMBERS_SUMMARY } from './magic';
