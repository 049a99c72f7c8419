/**
 * The standalone bot: a thin `ActivityHandler` around the {@link TwilioVerifyDialogs} component. It greets new
 * members, routes messages and the authorization event to the component, saves conversation and user state at the
 * end of every turn, and turns any failure into one clear sentence (the broken dialog stack is cleared).
 */
import { ActivityHandler, type ConversationState, type TurnContext, type UserState } from 'botbuilder';
// From botbuilder-dialogs' own files: its index loads every prompt and the text recognizers behind them (about a
// sixth of start; we use none). test/startup/start-cost.test.ts keeps them unloaded.
import type { DialogState, DialogStateManagerConfiguration } from 'botbuilder-dialogs';
import { DialogSet } from 'botbuilder-dialogs/lib/dialogSet';
import { noLogger, redactDigits, TurnSupersededError, type ActionRuntime, type DialogLogger, type DialogTask } from '../dialogs';
import type { CountryCode } from '../twilio';
import { runTwilioVerify, TwilioVerifyDialogs } from './component';
import { sentInTurn, warnNotToRepeat, type TurnGuard } from './turns';

/** The one sentence a user sees when a turn fails. */
export const TURN_ERROR_MESSAGE = 'Sorry, something went wrong on my side. Please try again.';

const DIALOG_STATE_PROPERTY = 'dialogState';
/**
 * The turn-state key under which botbuilder-dialogs' DialogStateManager looks for its configuration (its memory
 * scopes and path resolvers) before building one (botbuilder-dialogs/lib/memory/dialogStateManager.js; not exported).
 */
export const DIALOG_STATE_MANAGER_CONFIGURATION = 'DialogStateManagerConfiguration';

export interface TwilioVerifyBotOptions {
  conversationState: ConversationState;
  userState: UserState;
  /** The installed dialog tasks. */
  dialogs: readonly DialogTask[];
  runtime: ActionRuntime;
  logger?: DialogLogger;
  /** The clock behind `now()` in expressions. */
  clock?: { now(): Date };
  defaultRegion?: CountryCode;
  /** How the bot introduces itself when a conversation starts. */
  greeting?: string;
  /**
   * Serializes, de-duplicates and budgets turns and saves state with eTags (built over the same two states). Without
   * one, state is saved as botbuilder does, last writer wins: fine for one process and a channel that never
   * redelivers, not otherwise.
   */
  guard?: TurnGuard;
  /**
   * Outcomes to tell before the turn's own answer (e.g. "Your message to …0123 was delivered." for channels that
   * take no proactive messages); each is taken once.
   */
  notices?: (turn: TurnContext) => Promise<string[]>;
}

/** Describes a failure for the log without its stack, codes, or anything a user typed. */
export function describeFailure(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.name, message: redactDigits(err.message).slice(0, 300) };
  return { error: typeof err };
}

/** The standalone Twilio Verify bot. */
export class TwilioVerifyBot extends ActivityHandler {
  readonly component: TwilioVerifyDialogs;
  private readonly conversationState: ConversationState;
  private readonly userState: UserState;
  private readonly dialogSet: DialogSet;
  private readonly logger: DialogLogger;
  private readonly greeting: string;
  private readonly guard: TurnGuard | undefined;
  /**
   * The memory scopes and path resolvers of the first turn's dialog context, handed to every later turn. Built anew,
   * they cost every turn a walk of botbuilder's service collection (2-3 % of a turn's CPU, one conversation at a
   * time); they hold nothing of a turn (the scopes read the dialog context and turn state they are given).
   */
  private dialogStateConfiguration: DialogStateManagerConfiguration | undefined;
  private readonly notices: ((turn: TurnContext) => Promise<string[]>) | undefined;

  constructor(options: TwilioVerifyBotOptions) {
    super();
    this.conversationState = options.conversationState;
    this.userState = options.userState;
    this.logger = options.logger ?? noLogger;
    this.greeting = options.greeting ?? "Hi! I'm your Twilio assistant.";
    this.guard = options.guard;
    this.notices = options.notices;
    this.component = new TwilioVerifyDialogs({
      runtime: options.runtime,
      dialogs: options.dialogs,
      userState: options.userState,
      logger: this.logger,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.defaultRegion ? { defaultRegion: options.defaultRegion } : {}),
    });
    this.dialogSet = new DialogSet(this.conversationState.createProperty<DialogState>(DIALOG_STATE_PROPERTY));
    this.dialogSet.add(this.component);

    this.onMembersAdded(async (turn, next) => {
      const botId = turn.activity.recipient?.id;
      for (const member of turn.activity.membersAdded ?? []) {
        if (member.id !== botId) await turn.sendActivity(this.component.capabilities(this.greeting));
      }
      await next();
    });
    this.onMessage(async (turn, next) => {
      for (const notice of (await this.notices?.(turn)) ?? []) await turn.sendActivity(notice);
      await this.dispatch(turn);
      await next();
    });
    // The chat page reports a completed authorization as an event; a waiting dialog continues on it.
    this.onEvent(async (turn, next) => {
      await this.dispatch(turn);
      await next();
    });
  }

  /** Registers newly installed dialogs without a restart (the template installer's onChange calls this). */
  reload(dialogs: readonly DialogTask[]): void {
    this.component.reload(dialogs);
  }

  private async dispatch(turn: TurnContext): Promise<void> {
    if (this.dialogStateConfiguration) turn.turnState.set(DIALOG_STATE_MANAGER_CONFIGURATION, this.dialogStateConfiguration);
    const dc = await this.dialogSet.createContext(turn);
    this.dialogStateConfiguration ??= dc.state.configuration;
    await runTwilioVerify(dc, { id: this.component.id });
  }

  /** Runs the turn, saves state, and answers one clear sentence if anything failed. */
  override async run(turn: TurnContext): Promise<void> {
    const guard = this.guard;
    if (guard) {
      await guard.run(turn, async () => {
        try {
          await super.run(turn);
        } catch (err) {
          if (err instanceof TurnSupersededError) throw err;
          await this.onTurnFailure(turn, err);
        }
      });
      return;
    }
    try {
      await super.run(turn);
      await this.conversationState.saveChanges(turn, false);
      await this.userState.saveChanges(turn, false);
    } catch (err) {
      await this.onTurnFailure(turn, err);
    }
  }

  /** Logs (redacted), clears the broken dialog stack, and tells the user. Also fits `adapter.onTurnError`. */
  async onTurnFailure(turn: TurnContext, err: unknown): Promise<void> {
    this.logger.error('turn failed', { ...describeFailure(err), activity: turn.activity.type });
    try {
      // Under a guard the cleared state is committed with the turn (with its eTag); otherwise it is deleted now.
      if (this.guard) await this.conversationState.clear(turn);
      else await this.conversationState.delete(turn);
    } catch (cleanup) {
      this.logger.error('could not clear the conversation state', describeFailure(cleanup));
    }
    try {
      // After a send, "try again" would send twice.
      if (sentInTurn(turn)) await warnNotToRepeat(turn);
      else await turn.sendActivity(TURN_ERROR_MESSAGE);
    } catch (reply) {
      this.logger.error('could not send the error reply', describeFailure(reply));
    }
  }
}
