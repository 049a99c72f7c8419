/**
 * What end users hear when the integration cannot be used, and the one mapping from a {@link GatewayResolution} to
 * "go ahead", "ask the user to authorize" or "say why not". The engine uses it when a dialog starts and at each
 * service node; the bot and `/healthz` can use it to say the same thing.
 */
import type { TwilioGateway } from '../twilio';
import type { GatewayResolution } from './runtime';

export const MESSAGES = {
  disabled: "This integration is disabled. Ask your bot's admin to enable it.",
  notConfigured: "This integration isn't set up yet. Ask your bot's admin to configure it.",
  notAuthorized:
    "This integration isn't authorized with Twilio right now, so I can't do that. Ask your bot's admin to re-authorize it.",
  unavailable: "I can't reach Twilio for you right now. Please try again in a few minutes.",
  unexpected: 'Something went wrong while talking to Twilio. Please try again in a moment.',
  stuck: "This dialog went round in circles, so I stopped it. Ask the bot's developer to check it.",
  lostTrack: "Sorry, I lost track of where we were in this conversation. Let's start over.",
  authorizationPending:
    'I\'m waiting for you to authorize the integration with the link I sent. Say "done" when you have, or "cancel" to stop.',
  authorizationStillMissing: "I still don't have your authorization, so here is a new link.",
  textOnly: "I can only read text here, not attachments or cards. Please type your answer.",
} as const;

/** Twilio's "authentication failed" (the stored credentials were rejected). */
export function isTwentyThree(code: number | string): boolean {
  return code === 20003 || code === '20003';
}

/** A resolution as the conversation sees it: run the call, ask for authorization, or end with a sentence. */
export type GatewayAvailability =
  | { kind: 'ready'; gateway: TwilioGateway }
  | { kind: 'needs-user-authorization'; profile: string }
  | { kind: 'unavailable'; reason: 'disabled' | 'not-configured' | 'error'; userMessage: string; code?: number | string };

/** The one switch over a gateway resolution. */
export function gatewayAvailability(resolution: GatewayResolution): GatewayAvailability {
  switch (resolution.kind) {
    case 'ready':
    case 'needs-user-authorization':
      return resolution;
    case 'disabled':
      return { kind: 'unavailable', reason: 'disabled', userMessage: MESSAGES.disabled };
    case 'not-configured':
      return { kind: 'unavailable', reason: 'not-configured', userMessage: MESSAGES.notConfigured };
    case 'error':
      return {
        kind: 'unavailable',
        reason: 'error',
        userMessage: isTwentyThree(resolution.code) ? MESSAGES.notAuthorized : MESSAGES.unavailable,
        code: resolution.code,
      };
  }
}
