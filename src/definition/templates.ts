/** The templates an empty `dialogs/` gets at a zero-config start: enough to send an SMS and verify a number. */
export const REQUIRED_TEMPLATES = ['send-sms', 'start-verification', 'check-verification'] as const;
