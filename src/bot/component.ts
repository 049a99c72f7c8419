/**
 * The library component: every installed dialog task behind one `ComponentDialog` (id `twilio-verify`) that a
 * developer adds to its own `DialogSet`. Begun with the user's text, it routes by the tasks' trigger utterances
 * (asking which one when two fit equally, saying what it can do when none fits), answers "help" and "cancel", and
 * ends with what happened. The standalone bot is one consumer of this component.
 */
import {
  ActivityTypes,
  MessageFactory,
  UserState,
  type Activity,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
// From botbuilder-dialogs' own files: its index loads every prompt and the text recognizers behind them (about a
// sixth of start; we use none). test/startup/start-cost.test.ts keeps them unloaded.
import type { DialogContext, DialogEvent, DialogTurnResult } from 'botbuilder-dialogs';
import { ComponentDialog } from 'botbuilder-dialogs/lib/componentDialog';
import { Dialog, DialogTurnStatus } from 'botbuilder-dialogs/lib/dialog';
import { DialogEvents } from 'botbuilder-dialogs/lib/dialogEvents';
import { DialogSet } from 'botbuilder-dialogs/lib/dialogSet';
import {
  CANCEL_WORDS,
  DialogTaskDialog,
  HELP_WORDS,
  IntentMatcher,
  noLogger,
  normalizeUtterance,
  utteranceWithoutValues,
  type ActionRuntime,
  type DialogLogger,
  type DialogTask,
  type DialogTaskResult,
} from '../dialogs';
import { inOfferOrder } from '../definition';
import type { CountryCode } from '../twilio';

/** The component's id in a DialogSet. */
export const TWILIO_VERIFY_DIALOG_ID = 'twilio-verify';
/** The user state property holding what dialogs keep across conversations (`user.*` in expressions). */
export const USER_STATE_PROPERTY = 'twilioVerifyUser';

const CHOOSE_ID = 'twilio-verify.choose';
const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];
const GREETING_WORDS: ReadonlySet<string> = new Set([
  'hi', 'hello', 'hey', 'hiya', 'howdy', 'yo', 'hi there', 'hello there', 'hey there', 'good morning',
  'good afternoon', 'good evening', 'hello bot', 'hi bot', 'hey bot',
]);
const THANKS_WORDS: ReadonlySet<string> = new Set([
  'thanks', 'thank you', 'thx', 'ty', 'cheers', 'thanks a lot', 'thank you very much', 'many thanks', 'great thanks',
  'ok thanks', 'ok thank you',
]);

/** Sentences of the router, in one place. */
export const ROUTER_MESSAGES = {
  nothingToCancel: 'Nothing to cancel: we were not in the middle of anything.',
  noDialogs: 'No dialogs are installed yet. Ask the bot\'s developer to install templates (tva templates install).',
  which: 'I can do more than one thing with that. Which one did you mean?',
  choiceCancelled: 'OK, never mind.',
  dialogRemoved: "The dialog we were in isn't installed anymore, so I stopped it. Let's start over.",
  greeting: 'Hello! What would you like to do?',
  thanks: 'You\'re welcome! Say "help" any time to see what I can do.',
  textOnly: 'I can only read text messages.',
} as const;

/** What `beginDialog('twilio-verify', …)` takes. */
export interface TwilioVerifyBeginOptions {
  /** The user's text; defaults to the turn's activity text. */
  text?: string;
}

/** What the component ends with. */
export type TwilioVerifyResult =
  | ({ outcome: 'dialog'; dialog: string } & DialogTaskResult)
  | {
      outcome: 'help' | 'greeting' | 'thanks' | 'nothing-to-cancel' | 'not-understood' | 'choice-cancelled' | 'dialog-removed';
    };

export interface TwilioVerifyDialogsOptions {
  runtime: ActionRuntime;
  /** The installed dialog tasks (e.g. `loadDialogDirectory('dialogs', …).tasks`). */
  dialogs: readonly DialogTask[];
  /** The bot's user state (a property is created on it) or an accessor; saved by the bot at the end of the turn. */
  userState: UserState | StatePropertyAccessor<Record<string, unknown>>;
  /** The clock behind `now()` in expressions. */
  clock?: { now(): Date };
  /** Region for phone numbers typed without a country code. */
  defaultRegion?: CountryCode;
  logger?: DialogLogger;
  /** Id in the developer's DialogSet (default `twilio-verify`). */
  id?: string;
}

/** How many of the dialogs offered first a stopped dialog offers as buttons (what people come for). */
const NEXT_STEPS = 2;

/** A dialog the user can start: for greetings, help and suggested actions. */
export interface DialogSummary {
  id: string;
  name: string;
  description: string;
  help?: string;
}

interface Candidate {
  taskId: string;
  taskName: string;
}

function isMessage(activity: Activity): boolean {
  return activity.type === ActivityTypes.Message;
}

/** Holds the "which one?" question on the stack; the component answers it (see `onContinueDialog`). */
class ChooseDialog extends Dialog<{ candidates: Candidate[] }> {
  constructor() {
    super(CHOOSE_ID);
  }

  override async beginDialog(dc: DialogContext, options?: { candidates: Candidate[] }): Promise<DialogTurnResult> {
    const candidates = options?.candidates ?? [];
    const instance = dc.activeDialog;
    if (instance) instance.state = { candidates };
    await dc.context.sendActivity(MessageFactory.suggestedActions(candidates.map((c) => c.taskName), ROUTER_MESSAGES.which));
    return Dialog.EndOfTurn;
  }

  override async continueDialog(): Promise<DialogTurnResult> {
    return Dialog.EndOfTurn;
  }
}

function candidatesOf(state: unknown): Candidate[] {
  if (typeof state !== 'object' || state === null) return [];
  const list = (state as { candidates?: unknown }).candidates;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { taskId, taskName } = item as Record<string, unknown>;
    return typeof taskId === 'string' && typeof taskName === 'string' ? [{ taskId, taskName }] : [];
  });
}

/** Every installed dialog task behind one component dialog, routed by trigger utterances. */
export class TwilioVerifyDialogs extends ComponentDialog<TwilioVerifyBeginOptions> {
  // The inner set is replaced on reload (DialogSet has no remove); `declare` keeps the base class's value.
  declare dialogs: DialogSet;
  private readonly options: TwilioVerifyDialogsOptions;
  private readonly userAccessor: StatePropertyAccessor<Record<string, unknown>>;
  private readonly logger: DialogLogger;
  private tasks: readonly DialogTask[] = [];
  private matcher = new IntentMatcher([]);
  private byName = new Map<string, DialogTask>();

  constructor(options: TwilioVerifyDialogsOptions) {
    super(options.id ?? TWILIO_VERIFY_DIALOG_ID);
    this.options = options;
    this.logger = options.logger ?? noLogger;
    this.userAccessor =
      options.userState instanceof UserState
        ? options.userState.createProperty<Record<string, unknown>>(USER_STATE_PROPERTY)
        : options.userState;
    this.reload(options.dialogs);
    // Logged once here; a reload is logged by whoever reloads (one line per event).
    this.logger.info('dialogs loaded', { dialogs: this.tasks.map((task) => task.id) });
  }

  /** Replaces the installed dialogs (after an install) without a restart; running conversations keep going. */
  reload(tasks: readonly DialogTask[]): void {
    const set = new DialogSet();
    set.add(new ChooseDialog());
    for (const task of tasks) {
      set.add(
        new DialogTaskDialog({
          task,
          runtime: this.options.runtime,
          userState: this.userAccessor,
          logger: this.logger,
          interruptions: (text) => this.interruptionFor(text),
          nextSteps: () => this.tasks.slice(0, NEXT_STEPS).map((t) => t.name),
          ...(this.options.clock ? { clock: this.options.clock } : {}),
          ...(this.options.defaultRegion ? { defaultRegion: this.options.defaultRegion } : {}),
        }),
      );
    }
    this.dialogs = set;
    this.tasks = inOfferOrder(tasks);
    this.matcher = new IntentMatcher(this.tasks);
    this.byName = new Map(this.tasks.map((task) => [normalizeUtterance(task.name), task]));
  }

  /**
   * One installed dialog task as a dialog of its own, for a developer's DialogSet or ComponentDialog:
   * `addDialog(twilioVerify.taskDialog('verify-phone-number'))`, then
   * `step.beginDialog('verify-phone-number', { to })` resolves to its typed result (docs/DIALOGS.md, "Dialogs that
   * run dialogs"). It shares this component's runtime and user state; a reload does not replace it.
   */
  taskDialog(taskId: string): DialogTaskDialog {
    const task = this.tasks.find((t) => t.id === taskId);
    if (task === undefined) {
      const installed = this.tasks.map((t) => t.id).join(', ') || 'none';
      throw new Error(`No dialog "${taskId}" is installed (installed: ${installed}). Install it: npx tva templates install ${taskId}`);
    }
    return new DialogTaskDialog({
      task,
      runtime: this.options.runtime,
      userState: this.userAccessor,
      logger: this.logger,
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.defaultRegion ? { defaultRegion: this.options.defaultRegion } : {}),
    });
  }

  /**
   * The dialog a reply inside another dialog clearly asks for: one of its trigger utterances or its name, said
   * exactly. Looser matches stay answers to the question asked (they may be e.g. an SMS body).
   */
  private interruptionFor(text: string): { taskId: string; taskName: string } | undefined {
    const said = normalizeUtterance(text);
    if (said === '' || HELP_WORDS.has(said) || CANCEL_WORDS.has(said)) return undefined;
    const named = this.byName.get(said);
    if (named !== undefined) return { taskId: named.id, taskName: named.name };
    const decision = this.matcher.decide(text);
    if (decision.kind === 'match' && decision.candidate.kind === 'exact') {
      return { taskId: decision.candidate.taskId, taskName: decision.candidate.taskName };
    }
    return undefined;
  }

  /** The dialogs a user can start, in load order. */
  summaries(): DialogSummary[] {
    return this.tasks.map((task) => ({
      id: task.id,
      name: task.name,
      description: task.description,
      ...(task.help === undefined ? {} : { help: task.help }),
    }));
  }

  /** "I can …" with each dialog's name as a suggested action (clicking one starts it). */
  capabilities(intro: string): Partial<Activity> {
    const names = this.tasks.map((task) => task.name);
    if (names.length === 0) return MessageFactory.text(`${intro} ${ROUTER_MESSAGES.noDialogs}`);
    return MessageFactory.suggestedActions(names, `${intro} I can help you with: ${names.join(', ')}.`);
  }

  /** The help text: every dialog, in the words it says to the user (its `help`, else its description). */
  helpMessage(): Partial<Activity> {
    if (this.tasks.length === 0) return MessageFactory.text(ROUTER_MESSAGES.noDialogs);
    const lines = this.tasks.map((task) => `- ${task.name}: ${task.help ?? task.description}`);
    const text =
      `Here is what I can do:\n${lines.join('\n')}\n` +
      'Say what you would like to do, e.g. pick one below. Say "cancel" at any time to stop.';
    return MessageFactory.suggestedActions(
      this.tasks.map((task) => task.name),
      text,
    );
  }

  /**
   * A reload changes the inner set's version, which botbuilder reports as an unhandled `versionChanged` event
   * (crashing on a DialogSet without a telemetry client). Running dialogs survive reloads here by design.
   */
  protected override async onPreBubbleEvent(_dc: DialogContext, event: DialogEvent): Promise<boolean> {
    return event.name === DialogEvents.versionChanged && event.value === this.id;
  }

  protected override async onBeginDialog(inner: DialogContext, options?: TwilioVerifyBeginOptions): Promise<DialogTurnResult> {
    const text = options?.text ?? (isMessage(inner.context.activity) ? (inner.context.activity.text ?? '') : '');
    return this.route(inner, text);
  }

  protected override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    const active = inner.activeDialog;
    if (active === undefined) return this.done({ outcome: 'nothing-to-cancel' });
    const activity = inner.context.activity;
    if (active.id === CHOOSE_ID) {
      if (!isMessage(activity)) return Dialog.EndOfTurn;
      return this.onChoice(inner, candidatesOf(active.state), activity.text ?? '');
    }
    if (this.dialogs.find(active.id) === undefined) {
      this.logger.warn('active dialog no longer installed', { dialog: active.id });
      await inner.cancelAllDialogs();
      await inner.context.sendActivity(ROUTER_MESSAGES.dialogRemoved);
      return this.done({ outcome: 'dialog-removed' });
    }
    // The dialog the router started is at the bottom of the stack; a dialog node's dialog may be the active one.
    const started = inner.stack[0]?.id ?? active.id;
    return this.followUp(inner, started, await inner.continueDialog());
  }

  /** Starts the dialog a finished one handed over to (the user asked for it mid-way), or wraps the result. */
  private async followUp(inner: DialogContext, taskId: string, turn: DialogTurnResult): Promise<DialogTurnResult> {
    const switchTo = (turn.result as DialogTaskResult | undefined)?.switchTo;
    if (turn.status === DialogTurnStatus.complete && typeof switchTo === 'string') {
      const next = this.tasks.find((task) => task.id === switchTo);
      if (next !== undefined) return this.start(inner, { taskId: next.id, taskName: next.name }, 'interruption');
    }
    return this.wrap(taskId, turn);
  }

  private done(result: TwilioVerifyResult): DialogTurnResult<TwilioVerifyResult> {
    return { status: DialogTurnStatus.complete, result };
  }

  /** Adds the dialog's id to a finished task's result. */
  private wrap(taskId: string, turn: DialogTurnResult): DialogTurnResult {
    if (turn.status !== DialogTurnStatus.complete && turn.status !== DialogTurnStatus.cancelled) return turn;
    const result = turn.result as DialogTaskResult | undefined;
    const wrapped: TwilioVerifyResult = {
      outcome: 'dialog',
      dialog: taskId,
      status: result?.status ?? 'cancelled',
      entities: result?.entities ?? {},
      context: result?.context ?? {},
    };
    return { status: DialogTurnStatus.complete, result: wrapped };
  }

  /** Starts a dialog; `utterance` is the user's own words that chose it, whose values fill its questions. */
  private async start(inner: DialogContext, task: Candidate, how: string, utterance?: string): Promise<DialogTurnResult> {
    this.logger.info('dialog chosen', { dialog: task.taskId, how });
    return this.followUp(inner, task.taskId, await inner.beginDialog(task.taskId, utterance === undefined ? undefined : { utterance }));
  }

  /** Picks a dialog for the user's text, or answers help, cancel, "which one?" or "I can …". */
  async route(inner: DialogContext, text: string): Promise<DialogTurnResult> {
    const said = normalizeUtterance(text);
    if (HELP_WORDS.has(said)) {
      await inner.context.sendActivity(this.helpMessage());
      return this.done({ outcome: 'help' });
    }
    if (CANCEL_WORDS.has(said)) {
      await inner.context.sendActivity(ROUTER_MESSAGES.nothingToCancel);
      return this.done({ outcome: 'nothing-to-cancel' });
    }
    if (GREETING_WORDS.has(said)) {
      // The dialogs were listed when the conversation started: a "hi" gets a short answer with the buttons.
      await inner.context.sendActivity(
        this.tasks.length === 0
          ? MessageFactory.text(ROUTER_MESSAGES.noDialogs)
          : MessageFactory.suggestedActions(this.tasks.map((task) => task.name), ROUTER_MESSAGES.greeting),
      );
      return this.done({ outcome: 'greeting' });
    }
    if (THANKS_WORDS.has(said)) {
      await inner.context.sendActivity(ROUTER_MESSAGES.thanks);
      return this.done({ outcome: 'thanks' });
    }
    if (said === '' && (inner.context.activity.attachments?.length ?? 0) > 0) {
      await inner.context.sendActivity(this.capabilities(ROUTER_MESSAGES.textOnly));
      return this.done({ outcome: 'not-understood' });
    }
    const named = this.byName.get(said);
    if (named !== undefined) return this.start(inner, { taskId: named.id, taskName: named.name }, 'name');
    let decision = said === '' ? { kind: 'none' as const } : this.matcher.decide(text);
    // "text +14155550123 saying hi": the values the user named are not part of what they ask for.
    if (decision.kind === 'none' && said !== '') decision = this.matcher.decide(utteranceWithoutValues(text, this.options.defaultRegion));
    switch (decision.kind) {
      case 'match':
        return this.start(inner, decision.candidate, decision.candidate.kind, text);
      case 'ambiguous': {
        const candidates = decision.candidates.map((c) => ({ taskId: c.taskId, taskName: c.taskName }));
        this.logger.info('ambiguous request', { candidates: candidates.map((c) => c.taskId) });
        return inner.beginDialog(CHOOSE_ID, { candidates });
      }
      case 'none':
        this.logger.info('request not understood');
        await inner.context.sendActivity(this.capabilities("Sorry, I didn't get that."));
        return this.done({ outcome: 'not-understood' });
    }
  }

  private async onChoice(inner: DialogContext, candidates: Candidate[], text: string): Promise<DialogTurnResult> {
    const said = normalizeUtterance(text);
    if (CANCEL_WORDS.has(said)) {
      await inner.cancelAllDialogs();
      await inner.context.sendActivity(ROUTER_MESSAGES.choiceCancelled);
      return this.done({ outcome: 'choice-cancelled' });
    }
    const index = /^\d+$/.test(said) ? Number(said) - 1 : ORDINALS.findIndex((word) => said === word || said === `the ${word}`);
    const chosen =
      candidates.find((c) => normalizeUtterance(c.taskName) === said || c.taskId === said) ??
      (index >= 0 ? candidates[index] : undefined);
    // Anything else is a new request: route it as if no question had been asked.
    await inner.cancelAllDialogs();
    if (chosen !== undefined) return this.start(inner, chosen, 'choice');
    return this.route(inner, text);
  }
}

/** Starts or continues the component for this turn: what a developer's `onMessage` calls. */
export async function runTwilioVerify(
  dc: DialogContext,
  options: { id?: string; text?: string } = {},
): Promise<DialogTurnResult> {
  const result = await dc.continueDialog();
  if (result.status !== DialogTurnStatus.empty) return result;
  if (!isMessage(dc.context.activity)) return result;
  return dc.beginDialog(options.id ?? TWILIO_VERIFY_DIALOG_ID, {
    text: options.text ?? dc.context.activity.text ?? '',
  });
}

/** The user's channel and id for a turn (how credentials and links are keyed). */
export function userRefOf(turn: TurnContext): { channelId: string; userId: string } {
  return { channelId: turn.activity.channelId, userId: turn.activity.from?.id ?? '' };
}
