/** Public API of the twilio-verify-action package. */
export {};
