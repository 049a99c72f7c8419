/**
 * The dialog engine: one botbuilder-dialogs `Dialog` that interprets one dialog task. Everything it remembers
 * (current node, entities, context, retries, last result or error, a pending authorization) lives in the dialog
 * instance state as plain JSON, so a restarted server continues a conversation mid-dialog.
 */
import { isJsonObject, isJsonValue, isRecord, type JsonValue } from '../json';
import {
  ActivityTypes,
  InputHints,
  MessageFactory,
  type Activity,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
// From botbuilder-dialogs' own files: its index loads every prompt and the text recognizers behind them (about a
// sixth of start; we use none). test/startup/start-cost.test.ts keeps them unloaded.
import type { DialogContext, DialogInstance, DialogReason, DialogTurnResult } from 'botbuilder-dialogs';
import { Dialog } from 'botbuilder-dialogs/lib/dialog';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { auditActionOf } from '../definition';
import { runOperation, TwilioActionError } from '../twilio';
import { describeEntity, normalizeWords, recognizeEntity, type EntityValue } from './entities';
import {
  displayValue,
  evaluatePath,
  evaluateExpression,
  ExpressionError,
  isTruthy,
  renderTemplate,
  type ExpressionScope,
} from './expressions';
import { noLogger, redactEntities, redactForLog, type DialogLogger } from './redact';
import { entitiesInUtterance } from './utterance';
import { gatewayAvailability, isTwentyThree, MESSAGES } from './messages';
import { turnEffectsOf, TurnSupersededError, type ActionRuntime, type AuditRecord, type UserRef } from './runtime';
import type { DialogEndStatus, DialogNode, DialogRunNode, DialogTask, EntityNode, ServiceNode } from './schema';
import { CANCEL_WORDS, HELP_WORDS } from './words';

export type { JsonValue };

/** The last failed service call, as expressions see it under `error`. */
export interface ServiceErrorInfo {
  [key: string]: JsonValue;
  code: number | string;
  status: number;
  message: string;
  userMessage: string;
  retryAfterSeconds: number | null;
  param: string | null;
}

/**
 * What the dialog returns to its parent when it ends. A task that declares a typed `result` also returns its
 * fields at the top level (e.g. verify-phone-number: `{ outcome: 'approved', to: '+1…', channel: 'sms' }`).
 */
export interface DialogTaskResult {
  [field: string]: JsonValue | undefined;
  status: DialogEndStatus;
  /** The declared outcome the dialog ended with (`result.outcomes`); the end status when it declares none. */
  outcome: string;
  entities: Record<string, JsonValue>;
  context: Record<string, JsonValue>;
  /** The dialog the user asked for instead (see `interruptions`); the caller starts it. */
  switchTo?: string;
}

/** What a dialog node's `result` holds after its dialog ended: the outcome, status and declared fields only. */
export type ChildDialogResult = Record<string, JsonValue> & { outcome: string; status: DialogEndStatus };

/** Another dialog the user's reply clearly asks for. */
export interface DialogInterruption {
  taskId: string;
  taskName: string;
}

/**
 * Values a caller may pass to `beginDialog` (e.g. entities the router already recognised), and the task's declared
 * `inputs` by name (`beginDialog('verify-phone-number', { to: '+14155550123' })`).
 */
export interface DialogTaskBeginOptions {
  [input: string]: unknown;
  entities?: Record<string, JsonValue>;
  context?: Record<string, JsonValue>;
  /** The user's words that started the dialog: values they name fill entity nodes instead of being asked. */
  utterance?: string;
}

export interface DialogTaskDialogOptions {
  task: DialogTask;
  runtime: ActionRuntime;
  /** The `user` scope: state kept across dialogs (e.g. `verifiedPhone`). The bot saves user state after the turn. */
  userState: StatePropertyAccessor<Record<string, unknown>>;
  /** The clock behind `now()`; the emulator's clock fits. */
  clock?: { now(): Date };
  /** Region for phone numbers typed without a country code. */
  defaultRegion?: CountryCode;
  logger?: DialogLogger;
  /** The id in the DialogSet; defaults to the task id. */
  dialogId?: string;
  /**
   * Recognises a reply that is not an answer to the current question but clearly starts another dialog (e.g.
   * "send an SMS" while asked for the number to verify). When it returns a dialog other than this one, this dialog
   * stops and ends with `switchTo` set, so the caller (the router) starts that one.
   */
  interruptions?: (text: string) => DialogInterruption | undefined;
  /**
   * What people come for (e.g. the names of the dialogs offered first): the buttons after the engine's own
   * "I've cancelled" and "Let's stop here" endings, so a stopped dialog still offers a next step.
   */
  nextSteps?: () => readonly string[];
}

/** The engine's state inside the dialog instance (JSON only). */
interface TaskState {
  node: string;
  entities: Record<string, JsonValue>;
  context: Record<string, JsonValue>;
  result: JsonValue;
  error: ServiceErrorInfo | null;
  /** Failed replies at the current entity node. */
  attempts: number;
  /** What the dialog waits for between turns ('dialog': the dialog a dialog node began, which runs above it). */
  waiting: 'reply' | 'authorization' | 'dialog' | null;
  /** An authorization link was already sent for the current service node. */
  authorizationRequested: boolean;
  /** Values the opening utterance offered, by entity, each taken when the dialog first reaches its node. */
  offered?: Record<string, string>;
  /** Values the caller passed as declared inputs, by entity, each taken when the dialog first reaches its node. */
  given?: Record<string, string>;
  /** Begun by another dialog that continues when this one ends: no interruptions, no next-step buttons. */
  nested?: boolean;
}

type Step =
  | { kind: 'goto'; to: string }
  | { kind: 'wait' }
  | { kind: 'end'; status: DialogEndStatus; outcome?: string }
  | { kind: 'switch'; to: DialogInterruption }
  /** A dialog node began another dialog: its turn result is this dialog's (see resumeDialog). */
  | { kind: 'handed'; turn: DialogTurnResult };

/**
 * Nodes run in one turn before the engine decides the dialog is stuck. The budget is the turn's, shared by the
 * dialogs a dialog node begins and the one it resumes: a parent that begins an at-once-ending dialog in a loop
 * (through an entity node its default fills) would otherwise start a fresh budget on every resume and never end.
 */
export const MAX_STEPS_PER_TURN = 50;
const STEPS_TAKEN = Symbol('twilio-verify-action.stepsTaken');

/** Counts one step against the turn's budget; false when it is spent. */
function takeStep(turn: TurnContext): boolean {
  const taken = turn.turnState.get(STEPS_TAKEN) as number | undefined;
  if ((taken ?? 0) >= MAX_STEPS_PER_TURN) return false;
  turn.turnState.set(STEPS_TAKEN, (taken ?? 0) + 1);
  return true;
}
const DEFAULT_RETRIES = 3;
/** An enum node with more values than this gets no automatic buttons (a list that long is better typed). */
const MAX_AUTOMATIC_SUGGESTIONS = 6;

/**
 * The buttons of an entity node's prompt: its own `suggestions`, else the small set of answers its type has
 * (yes/no; an enum's values), so every question with a few possible answers offers them.
 */
export function promptSuggestions(node: EntityNode): string[] {
  if (node.suggestions !== undefined) return [...node.suggestions];
  if (node.entityType === 'yesno') return ['Yes', 'No'];
  if (node.entityType === 'enum' && node.values !== undefined && node.values.length <= MAX_AUTOMATIC_SUGGESTIONS) {
    return node.values.map((v) => v.value.charAt(0).toUpperCase() + v.value.slice(1));
  }
  return [];
}

const DONE_WORDS: ReadonlySet<string> = new Set(['done', "i'm done", 'i am done', 'finished', 'ok done', 'i did']);
const AUTHORIZATION_EVENT = 'authorization/completed';


const JSON_STATE_KEY = 'dialogTask';
/** turnState key prefix of the per-node call counters. */
const OCCURRENCES_KEY = 'twilio-verify-action.occurrences';

/** Plain JSON copy: Dates become ISO strings, class instances become data, functions disappear. */
function toJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch {
    return null;
  }
}

function isServiceErrorInfo(value: unknown): value is ServiceErrorInfo {
  if (!isJsonObject(value)) return false;
  const { code, status, message, userMessage, retryAfterSeconds, param } = value;
  return (
    (typeof code === 'number' || typeof code === 'string') &&
    typeof status === 'number' &&
    typeof message === 'string' &&
    typeof userMessage === 'string' &&
    (retryAfterSeconds === null || typeof retryAfterSeconds === 'number') &&
    (param === null || typeof param === 'string')
  );
}

/** The instance state as the engine wrote it (plain JSON), checked whole: state from storage is data from outside. */
function isStringRecord(value: unknown): boolean {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
}

function isTaskState(raw: unknown): raw is TaskState {
  if (!isRecord(raw)) return false;
  const { node, entities, context, result, error, attempts, waiting, authorizationRequested } = raw;
  return (
    typeof node === 'string' &&
    isJsonObject(entities) &&
    isJsonObject(context) &&
    isJsonValue(result) &&
    (error === null || isServiceErrorInfo(error)) &&
    typeof attempts === 'number' &&
    (waiting === null || waiting === 'reply' || waiting === 'authorization' || waiting === 'dialog') &&
    typeof authorizationRequested === 'boolean' &&
    (raw.offered === undefined || isStringRecord(raw.offered)) &&
    (raw.given === undefined || isStringRecord(raw.given)) &&
    (raw.nested === undefined || typeof raw.nested === 'boolean')
  );
}

/** The country of a BCP-47 locale ("en-US" -> "US"), when it names one libphonenumber knows. */
export function regionOfLocale(locale: string | undefined): CountryCode | undefined {
  const region = /^[a-z]{2,3}(?:-[A-Za-z]{4})?-([A-Za-z]{2})\b/.exec(locale ?? '')?.[1]?.toUpperCase();
  return region !== undefined && isSupportedCountry(region) ? region : undefined;
}

function countryName(region: CountryCode): string {
  const name = new Intl.DisplayNames(['en'], { type: 'region' }).of(region) ?? region;
  // "United States" reads better with "the": the countries whose English names take it.
  return /^(United|Netherlands|Philippines|Czech|Dominican|Bahamas|Gambia|Maldives|Marshall|Solomon|Central African)/.test(name) ? `the ${name}` : name;
}

function readState(raw: unknown): TaskState | undefined {
  return isTaskState(raw) ? raw : undefined;
}

function errorInfo(err: unknown): ServiceErrorInfo {
  if (err instanceof TwilioActionError) {
    return {
      code: err.code,
      status: err.status,
      message: err.twilioMessage,
      userMessage: err.userMessage,
      retryAfterSeconds: err.retryAfterSeconds ?? null,
      param: err.param ?? null,
    };
  }
  return {
    code: 'unexpected_error',
    status: 0,
    message: err instanceof Error ? err.message : String(err),
    userMessage: MESSAGES.unexpected,
    retryAfterSeconds: null,
    param: null,
  };
}

/**
 * The typed part of a finished dialog's result (outcome, status, declared fields): what a dialog node keeps in
 * `result`. Entities and context stay with the dialog that collected them (they may hold a code).
 */
function childResultOf(value: unknown): ChildDialogResult {
  const raw = isRecord(value) ? value : {};
  const statusValue = raw['status'];
  const status: DialogEndStatus =
    statusValue === 'completed' || statusValue === 'cancelled' || statusValue === 'failed' ? statusValue : 'failed';
  const result: ChildDialogResult = { status, outcome: typeof raw['outcome'] === 'string' ? raw['outcome'] : status };
  for (const [key, field] of Object.entries(raw)) {
    if (key === 'entities' || key === 'context' || key === 'switchTo' || key === 'status' || key === 'outcome') continue;
    if (isJsonValue(field)) result[key] = field;
  }
  return result;
}

/**
 * The entities a checkVerification node sends as its code: verification codes, which never leave the dialog in its
 * result (a caller may keep a result in state, and codes are never stored in clear).
 */
function codeEntitiesOf(task: DialogTask): ReadonlySet<string> {
  const names = new Set<string>();
  for (const node of task.nodes) {
    if (node.type !== 'service' || node.operation !== 'checkVerification') continue;
    const source: unknown = node.input['code'];
    const match = typeof source === 'string' ? /^\s*entities\.([A-Za-z][A-Za-z0-9_]*)\s*$/.exec(source) : null;
    if (match?.[1] !== undefined) names.add(match[1]);
  }
  return names;
}

/** Runs one dialog task as a botbuilder dialog. */
export class DialogTaskDialog extends Dialog<DialogTaskBeginOptions> {
  readonly task: DialogTask;
  private readonly runtime: ActionRuntime;
  private readonly userState: StatePropertyAccessor<Record<string, unknown>>;
  private readonly clock: { now(): Date };
  private readonly defaultRegion: CountryCode | undefined;
  private readonly logger: DialogLogger;
  private readonly nodes: ReadonlyMap<string, DialogNode>;
  private readonly firstUtterance: string;
  private readonly callsTwilio: boolean;
  /** Entities holding a verification code (see codeEntitiesOf): left out of the result. */
  private readonly codeEntities: ReadonlySet<string>;
  private readonly interruptions: DialogTaskDialogOptions['interruptions'];
  private readonly nextSteps: () => readonly string[];

  constructor(options: DialogTaskDialogOptions) {
    super(options.dialogId ?? options.task.id);
    this.task = options.task;
    this.runtime = options.runtime;
    this.userState = options.userState;
    this.clock = options.clock ?? { now: () => new Date() };
    this.defaultRegion = options.defaultRegion;
    this.logger = options.logger ?? noLogger;
    this.nodes = new Map(options.task.nodes.map((node) => [node.id, node]));
    const intent = this.nodes.get(options.task.start);
    this.firstUtterance = intent?.type === 'intent' ? (intent.utterances[0] ?? options.task.name) : options.task.name;
    this.callsTwilio = options.task.nodes.some((node) => node.type === 'service');
    this.codeEntities = codeEntitiesOf(options.task);
    this.interruptions = options.interruptions;
    this.nextSteps = options.nextSteps ?? (() => []);
  }

  override async beginDialog(dc: DialogContext, options?: DialogTaskBeginOptions): Promise<DialogTurnResult> {
    const instance = this.instanceOf(dc);
    // Another dialog below this one on the stack (a dialog node, a developer's WaterfallDialog) continues when it
    // ends: it was begun for a purpose, not by the user's words, so its intent node has nothing to do.
    const nested = dc.stack.length > 1;
    const intent = this.nodes.get(this.task.start);
    const given = this.givenInputs(options);
    const state: TaskState = {
      node: nested && intent?.next !== undefined ? intent.next : this.task.start,
      entities: { ...(options?.entities ?? {}) },
      context: { ...(options?.context ?? {}) },
      result: null,
      error: null,
      attempts: 0,
      waiting: null,
      authorizationRequested: false,
      ...(options?.utterance ? { offered: entitiesInUtterance(this.task, options.utterance, this.defaultRegion) } : {}),
      ...(Object.keys(given).length > 0 ? { given } : {}),
      ...(nested ? { nested } : {}),
    };
    instance.state[JSON_STATE_KEY] = state;
    this.log('info', 'dialog started', { node: state.node, ...(nested ? { nested } : {}), inputs: Object.keys(given) });
    // A dialog that needs Twilio says so at once when the integration can't be used, instead of asking every
    // question first. A missing user authorization is asked for later, where the dialog needs it.
    if (this.callsTwilio) {
      const unavailable = await this.unavailableMessage(dc.context);
      if (unavailable !== undefined) {
        await dc.context.sendActivity(unavailable);
        return this.finish(dc, state, 'failed');
      }
    }
    return this.advance(dc, state);
  }

  /** The declared inputs the caller passed, as text by the entity each fills (null or missing: asked as usual). */
  private givenInputs(options: DialogTaskBeginOptions | undefined): Record<string, string> {
    const given: Record<string, string> = {};
    for (const [name, input] of Object.entries(this.task.inputs ?? {})) {
      const value = toJson(options?.[name]);
      const text = value === null ? '' : displayValue(value);
      if (text !== '') given[input.entity] = text;
    }
    return given;
  }

  /** Why the integration can't be used for this user right now, or undefined when it can (or needs authorization). */
  private async unavailableMessage(turn: TurnContext): Promise<string | undefined> {
    const resolution = await this.runtime.resolveGateway({
      channelId: turn.activity.channelId,
      userId: turn.activity.from?.id ?? '',
    });
    const availability = gatewayAvailability(resolution);
    if (availability.kind !== 'unavailable') return undefined;
    if (availability.code !== undefined) this.log('warn', 'credentials unavailable', { code: availability.code });
    return availability.userMessage;
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = readState(this.instanceOf(dc).state[JSON_STATE_KEY]);
    if (!state) {
      this.log('warn', 'dialog state unreadable; ending the dialog');
      await dc.context.sendActivity(MESSAGES.lostTrack);
      return dc.endDialog(this.resultOf({ entities: {}, context: {} }, 'failed'));
    }
    const activity = dc.context.activity;
    if (state.waiting === 'dialog') {
      // The dialog a dialog node began would be running above this one: it is gone, so there is nothing to resume.
      this.log('warn', 'the dialog of a dialog node is gone; ending the dialog', { node: state.node });
      await dc.context.sendActivity(MESSAGES.lostTrack);
      return this.finish(dc, state, 'failed');
    }
    if (state.waiting === 'authorization') return this.onAuthorizationTurn(dc, state, activity);
    if (activity.type !== ActivityTypes.Message) return Dialog.EndOfTurn;
    if (state.waiting === 'reply' && (activity.text ?? '').trim() === '' && (activity.attachments?.length ?? 0) > 0) {
      // An image or a card is not a wrong answer: say what is expected and ask again, without using up a retry.
      const node = this.nodes.get(state.node);
      await dc.context.sendActivity(MESSAGES.textOnly);
      if (node?.type === 'entity') {
        const scope = await this.scope(dc.context, state);
        await this.sendPrompt(dc.context, node, scope, this.render(node.prompt, scope));
      }
      return Dialog.EndOfTurn;
    }
    if (state.waiting === 'reply') return this.onReply(dc, state, activity.text ?? '');
    return this.advance(dc, state);
  }

  /** The dialog a dialog node began has ended: its typed result becomes `result`, and the node's transitions run. */
  override async resumeDialog(dc: DialogContext, _reason: DialogReason, value?: unknown): Promise<DialogTurnResult> {
    const state = readState(this.instanceOf(dc).state[JSON_STATE_KEY]);
    const node = state ? this.nodes.get(state.node) : undefined;
    if (!state || node?.type !== 'dialog' || state.waiting !== 'dialog') {
      this.log('warn', 'resumed while not waiting for a dialog; ending the dialog', { node: state?.node });
      await dc.context.sendActivity(MESSAGES.lostTrack);
      return state ? this.finish(dc, state, 'failed') : dc.endDialog(this.resultOf({ entities: {}, context: {} }, 'failed'));
    }
    const result = childResultOf(value);
    state.waiting = null;
    state.result = result;
    state.error = null;
    if (node.resultAs !== undefined) state.context[node.resultAs] = result;
    this.log('info', 'dialog of a dialog node ended', { node: node.id, dialog: node.dialog, outcome: result.outcome });
    return this.advance(dc, state, async () => this.follow(node, await this.scope(dc.context, state)));
  }

  override async repromptDialog(context: TurnContext, instance: DialogInstance<Record<string, unknown>>): Promise<void> {
    const state = readState(instance.state[JSON_STATE_KEY]);
    const node = state ? this.nodes.get(state.node) : undefined;
    if (state?.waiting === 'reply' && node?.type === 'entity') {
      const scope = await this.scope(context, state);
      await this.sendPrompt(context, node, scope, this.render(node.prompt, scope));
    } else if (state?.waiting === 'authorization') {
      await context.sendActivity(MESSAGES.authorizationPending);
    }
  }

  private instanceOf(dc: DialogContext): DialogInstance<Record<string, unknown>> {
    const instance = dc.activeDialog;
    if (!instance) throw new Error(`Dialog "${this.id}" has no active instance.`);
    return instance;
  }

  /** Logs with the fields redacted; `fields` may be a function, called only when the level is logged. */
  private log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> | (() => Record<string, unknown>) = {}): void {
    if (this.logger.isEnabled?.(level) === false) return;
    this.logger[level](message, redactForLog({ dialog: this.task.id, ...(typeof fields === 'function' ? fields() : fields) }));
  }

  private async scope(turn: TurnContext, state: TaskState): Promise<ExpressionScope> {
    const node = this.nodes.get(state.node);
    const retries = node?.type === 'entity' ? (node.retries ?? DEFAULT_RETRIES) : 0;
    const user = await this.userState.get(turn, {});
    return {
      entities: state.entities,
      context: state.context,
      config: await this.runtime.publicConfig(),
      result: state.result,
      error: state.error,
      user: isRecord(user) ? user : {},
      dialog: { attempts: state.attempts, retries: Math.max(0, retries - state.attempts) },
      // Only plain facts of the incoming activity: never its text, sender or channel data.
      turn: { locale: turn.activity.locale ?? null, channelId: turn.activity.channelId },
    };
  }

  private evaluate(source: string, scope: ExpressionScope): unknown {
    return evaluateExpression(source, scope, { now: () => this.clock.now() });
  }

  private render(text: string, scope: ExpressionScope): string {
    return renderTemplate(text, scope, { now: () => this.clock.now() });
  }

  /** Sends an already rendered prompt with the node's suggestions as buttons. */
  private async sendPrompt(turn: TurnContext, node: EntityNode, scope: ExpressionScope, rendered: string): Promise<void> {
    const suggestions = promptSuggestions(node).map((s) => this.render(s, scope));
    const activity =
      suggestions.length > 0
        ? MessageFactory.suggestedActions(suggestions, rendered, undefined, InputHints.ExpectingInput)
        : MessageFactory.text(rendered, undefined, InputHints.ExpectingInput);
    await turn.sendActivity(activity);
  }

  /** The declared outcome of an ending: the node's own, else the task's for the engine's cancel and failure endings. */
  private outcomeOf(status: DialogEndStatus, outcome: string | undefined): string {
    if (outcome !== undefined) return outcome;
    const declared = this.task.result;
    if (declared === undefined) return status;
    if (status === 'cancelled') return declared.onCancel;
    if (status === 'failed') return declared.onFailure;
    // Validation gives every completing ending of a task with a result an outcome; this is a dialog built in code.
    this.log('error', 'an ending without an outcome', { status });
    return declared.onFailure;
  }

  private resultOf(state: Pick<TaskState, 'entities' | 'context'>, status: DialogEndStatus, outcome?: string): DialogTaskResult {
    const entities = Object.fromEntries(Object.entries(state.entities).filter(([name]) => !this.codeEntities.has(name)));
    return { status, outcome: this.outcomeOf(status, outcome), entities, context: state.context };
  }

  /** The declared result fields, evaluated as the dialog ends (a broken one reads as null and is logged). */
  private async resultFields(turn: TurnContext, state: TaskState): Promise<Record<string, JsonValue>> {
    const sources = Object.entries(this.task.result?.fields ?? {});
    if (sources.length === 0) return {};
    const scope = await this.scope(turn, state);
    const fields: Record<string, JsonValue> = {};
    for (const [field, source] of sources) {
      try {
        fields[field] = toJson(this.evaluate(source, scope));
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        this.log('error', 'result field failed', { field, problem: err.message });
        fields[field] = null;
      }
    }
    return fields;
  }

  private async finish(
    dc: DialogContext,
    state: TaskState,
    status: DialogEndStatus,
    switchTo?: string,
    outcome?: string,
  ): Promise<DialogTurnResult> {
    const result: DialogTaskResult = { ...(await this.resultFields(dc.context, state)), ...this.resultOf(state, status, outcome) };
    this.log('info', 'dialog ended', () => ({
      status,
      outcome: result.outcome,
      node: state.node,
      entities: redactEntities(this.task, state.entities),
      context: Object.keys(state.context),
      ...(switchTo === undefined ? {} : { switchTo }),
    }));
    return dc.endDialog(switchTo === undefined ? result : { ...result, switchTo });
  }

  private async cancel(dc: DialogContext, state: TaskState): Promise<DialogTurnResult> {
    await this.sayEnding(dc.context, state, `OK, I've cancelled "${this.task.name}".`);
    return this.finish(dc, state, 'cancelled');
  }

  /** An ending the engine says by itself, with what people come for as buttons (see `nextSteps`; none when nested). */
  private async sayEnding(turn: TurnContext, state: TaskState, text: string): Promise<void> {
    const steps = state.nested === true ? [] : [...this.nextSteps()];
    await turn.sendActivity(steps.length > 0 ? MessageFactory.suggestedActions(steps, text) : MessageFactory.text(text));
  }

  /** Runs nodes until one waits for the user or the dialog ends. */
  private async advance(
    dc: DialogContext,
    state: TaskState,
    first?: (node: DialogNode) => Promise<Step>,
  ): Promise<DialogTurnResult> {
    let pending = first;
    while (takeStep(dc.context)) {
      const node = this.nodes.get(state.node);
      if (!node) {
        this.log('error', 'node missing from the dialog task', { node: state.node });
        await dc.context.sendActivity(MESSAGES.lostTrack);
        return this.finish(dc, state, 'failed');
      }
      let step: Step;
      try {
        step = pending ? await pending(node) : await this.runNode(dc, state, node);
        pending = undefined;
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        this.log('error', 'expression failed', { node: node.id, problem: err.message });
        await dc.context.sendActivity(
          `Something is wrong in this dialog (step "${node.id}"), so I stopped it. Ask the bot's developer to check it.`,
        );
        return this.finish(dc, state, 'failed');
      }
      if (step.kind === 'wait') return Dialog.EndOfTurn;
      if (step.kind === 'handed') return step.turn;
      if (step.kind === 'end') return this.finish(dc, state, step.status, undefined, step.outcome);
      if (step.kind === 'switch') {
        this.log('info', 'interrupted by another dialog', { node: node.id, switchTo: step.to.taskId });
        await dc.context.sendActivity(`OK, I've stopped "${this.task.name}".`);
        return this.finish(dc, state, 'cancelled', step.to.taskId);
      }
      this.enter(state, step.to);
    }
    this.log('error', 'too many steps in one turn', { node: state.node, limit: MAX_STEPS_PER_TURN });
    await dc.context.sendActivity(MESSAGES.stuck);
    return this.finish(dc, state, 'failed');
  }

  private enter(state: TaskState, node: string): void {
    if (state.node !== node) state.attempts = 0;
    state.node = node;
    state.waiting = null;
  }

  /** Transitions in order, then `next`; without `next` the dialog is complete. */
  private follow(node: DialogNode, scope: ExpressionScope): Step {
    if ('transitions' in node) {
      for (const transition of node.transitions ?? []) {
        if (isTruthy(this.evaluate(transition.if, scope))) return { kind: 'goto', to: transition.then };
      }
    }
    return node.next === undefined ? { kind: 'end', status: 'completed' } : { kind: 'goto', to: node.next };
  }

  private async runNode(dc: DialogContext, state: TaskState, node: DialogNode): Promise<Step> {
    const turn = dc.context;
    switch (node.type) {
      case 'intent':
        return this.follow(node, await this.scope(turn, state));
      case 'entity':
        return this.arriveAtEntity(turn, state, node);
      case 'service':
        return this.runService(turn, state, node);
      case 'dialog':
        return this.runDialogNode(dc, state, node);
      case 'message': {
        const scope = await this.scope(turn, state);
        const text = this.render(node.text, scope);
        // An ending's buttons offer what to do next; a nested dialog's caller decides that, so it shows none.
        const ends = node.next === undefined;
        const suggestions = ends && state.nested === true ? [] : (node.suggestions ?? []).map((s) => this.render(s, scope));
        await turn.sendActivity(
          suggestions.length > 0 ? MessageFactory.suggestedActions(suggestions, text) : MessageFactory.text(text),
        );
        return node.next === undefined
          ? { kind: 'end', status: node.status ?? 'completed', ...(node.outcome === undefined ? {} : { outcome: node.outcome }) }
          : { kind: 'goto', to: node.next };
      }
      case 'logic': {
        const scope = await this.scope(turn, state);
        const userUpdates: Record<string, JsonValue> = {};
        for (const [target, source] of Object.entries(node.set)) {
          const value = toJson(this.evaluate(source, scope));
          const [where, name] = target.split('.', 2);
          if (name === undefined) continue;
          if (where === 'context') state.context[name] = value;
          else userUpdates[name] = value;
        }
        if (Object.keys(userUpdates).length > 0) {
          const current = await this.userState.get(turn, {});
          await this.userState.set(turn, { ...(isRecord(current) ? current : {}), ...userUpdates });
        }
        return this.follow(node, await this.scope(turn, state));
      }
    }
  }

  /**
   * Begins the node's dialog with its inputs, on top of this one. This dialog waits (`waiting: 'dialog'`) and
   * resumes at the node in `resumeDialog` when that dialog ends, in this turn or a later one.
   */
  private async runDialogNode(dc: DialogContext, state: TaskState, node: DialogRunNode): Promise<Step> {
    if (dc.findDialog(node.dialog) === undefined) {
      // Loading refuses a dialog node whose dialog is not installed; a DialogSet built in code may still lack it.
      this.log('error', 'the dialog of a dialog node is not in the dialog set', { node: node.id, dialog: node.dialog });
      await dc.context.sendActivity(
        `Something is wrong in this dialog (step "${node.id}"), so I stopped it. Ask the bot's developer to check it.`,
      );
      return { kind: 'end', status: 'failed' };
    }
    const scope = await this.scope(dc.context, state);
    const input: Record<string, JsonValue> = {};
    for (const [name, source] of Object.entries(node.input ?? {})) {
      const value = toJson(this.evaluate(source, scope));
      if (value !== null) input[name] = value;
    }
    state.waiting = 'dialog';
    this.log('info', 'dialog node begins a dialog', { node: node.id, dialog: node.dialog, inputs: Object.keys(input) });
    return { kind: 'handed', turn: await dc.beginDialog(node.dialog, input) };
  }

  /**
   * The country of numbers typed without a country code: the configured one, else the one the user's channel says
   * (the activity's locale, "en-US" -> US). Undefined asks for the country code.
   */
  private regionFor(turn: TurnContext): CountryCode | undefined {
    return this.defaultRegion ?? regionOfLocale(turn.activity.locale);
  }

  /** A number read with the locale's country (nothing configured): say which country was assumed. */
  private async sayAssumedCountry(turn: TurnContext, node: EntityNode, typed: string, value: EntityValue): Promise<void> {
    if (node.entityType !== 'phone' || this.defaultRegion !== undefined || /^\s*(\+|00)/.test(typed)) return;
    const region = regionOfLocale(turn.activity.locale);
    if (region === undefined) return;
    await turn.sendActivity(`I took that as a number in ${countryName(region)}: ${displayValue(value)}.`);
  }

  private async arriveAtEntity(turn: TurnContext, state: TaskState, node: EntityNode): Promise<Step> {
    const given = state.given?.[node.entity];
    if (state.given && given !== undefined) {
      // Given once, like an offer; a value the caller got wrong is said, then asked for (the result names the value used).
      delete state.given[node.entity];
      const recognized = recognizeEntity(node, given, { defaultRegion: this.regionFor(turn) });
      if (recognized.ok) {
        this.accept(state, node, recognized.value);
        return this.follow(node, await this.scope(turn, state));
      }
      this.log('warn', 'input rejected; asking the user', { node: node.id, entity: node.entity, reason: recognized.reason });
      await turn.sendActivity(`I can't use "${given}" here: ${recognized.reason}`);
    }
    const offer = state.offered?.[node.entity];
    if (state.offered && offer !== undefined) {
      // Offered once: a node reached again (e.g. "change number") asks as usual.
      delete state.offered[node.entity];
      const recognized = recognizeEntity(node, offer, { defaultRegion: this.regionFor(turn) });
      if (recognized.ok) {
        await this.sayAssumedCountry(turn, node, offer, recognized.value);
        this.accept(state, node, recognized.value);
        return this.follow(node, await this.scope(turn, state));
      }
    }
    const scope = await this.scope(turn, state);
    if (node.default !== undefined) {
      const fallback = this.evaluate(node.default, scope);
      const text = displayValue(fallback);
      if (text !== '') {
        const recognized = recognizeEntity(node, text, { defaultRegion: this.defaultRegion });
        if (recognized.ok) {
          this.accept(state, node, recognized.value);
          return this.follow(node, await this.scope(turn, state));
        }
        this.log('warn', 'default value rejected; asking the user', { node: node.id, reason: recognized.reason });
      }
    }
    await this.sendPrompt(turn, node, scope, this.render(node.prompt, scope));
    state.waiting = 'reply';
    return { kind: 'wait' };
  }

  private accept(state: TaskState, node: EntityNode, value: EntityValue): void {
    state.entities[node.entity] = value;
    state.attempts = 0;
    state.waiting = null;
    this.log('info', 'entity recognized', () => ({
      node: node.id,
      entity: node.entity,
      value: redactEntities(this.task, { [node.entity]: value })[node.entity],
    }));
  }

  private async onReply(dc: DialogContext, state: TaskState, text: string): Promise<DialogTurnResult> {
    const node = this.nodes.get(state.node);
    if (node?.type !== 'entity') {
      state.waiting = null;
      return this.advance(dc, state);
    }
    // What users type is personal (numbers, addresses, codes): the log gets its length only.
    this.log('info', 'user replied', { node: node.id, length: text.length });
    // Handled as the first step of advance(), so a broken expression here ends the dialog like anywhere else.
    return this.advance(dc, state, () => this.replyStep(dc.context, state, node, text));
  }

  /** Cancel, a command, help, or the answer itself: what the user's reply at an entity node does. */
  private async replyStep(turn: TurnContext, state: TaskState, node: EntityNode, text: string): Promise<Step> {
    const said = normalizeWords(text);
    // A node's own commands come first: a dialog may give "cancel" a meaning of its own (e.g. cancel the pending
    // verification at Twilio before ending); otherwise the cancel words end the dialog.
    const command = (node.commands ?? []).find((c) => c.utterances.some((u) => normalizeWords(u) === said));
    if (command) {
      this.log('info', 'command', { node: node.id, then: command.then });
      return { kind: 'goto', to: command.then };
    }
    if (CANCEL_WORDS.has(said)) {
      await this.sayEnding(turn, state, `OK, I've cancelled "${this.task.name}".`);
      return { kind: 'end', status: 'cancelled' };
    }
    if (HELP_WORDS.has(said)) {
      const scope = await this.scope(turn, state);
      await turn.sendActivity(node.help === undefined ? describeEntity(node) : this.render(node.help, scope));
      await this.sendPrompt(turn, node, scope, this.render(node.prompt, scope));
      return { kind: 'wait' };
    }
    const recognized = recognizeEntity(node, text, { defaultRegion: this.regionFor(turn) });
    if (recognized.ok) {
      await this.sayAssumedCountry(turn, node, text, recognized.value);
      this.accept(state, node, recognized.value);
      // The answered node is left through its transitions, not run again (which would prompt).
      return this.follow(node, await this.scope(turn, state));
    }
    // A nested dialog's caller is waiting for its result: another dialog's words are just a wrong answer here.
    const interruption = state.nested === true ? undefined : this.interruptions?.(text);
    if (interruption !== undefined && interruption.taskId !== this.task.id) return { kind: 'switch', to: interruption };
    state.attempts += 1;
    const retries = node.retries ?? DEFAULT_RETRIES;
    this.log('info', 'reply not recognized', { node: node.id, attempts: state.attempts, reason: recognized.reason });
    if (state.attempts > retries) {
      if (node.onFailure !== undefined) return { kind: 'goto', to: node.onFailure };
      await this.sayEnding(turn, state, state.nested === true ? "Let's stop here." : `Let's stop here. Say "${this.firstUtterance}" to start again.`);
      return { kind: 'end', status: 'failed' };
    }
    const scope = await this.scope(turn, state);
    // The node's error prompt already says what is expected: only a reason that says more follows it.
    const retryText =
      node.errorPrompt === undefined
        ? `${recognized.reason} ${this.render(node.prompt, scope)}`
        : recognized.generic === true
          ? this.render(node.errorPrompt, scope)
          : `${this.render(node.errorPrompt, scope)} (${recognized.reason})`;
    await this.sendPrompt(turn, node, scope, retryText);
    return { kind: 'wait' };
  }

  private async onAuthorizationTurn(dc: DialogContext, state: TaskState, activity: Activity): Promise<DialogTurnResult> {
    const isEvent = activity.type === ActivityTypes.Event && activity.name === AUTHORIZATION_EVENT;
    const said = activity.type === ActivityTypes.Message ? normalizeWords(activity.text ?? '') : '';
    if (CANCEL_WORDS.has(said)) return this.cancel(dc, state);
    if (isEvent || DONE_WORDS.has(said)) {
      state.waiting = null;
      return this.advance(dc, state);
    }
    if (activity.type === ActivityTypes.Message) await dc.context.sendActivity(MESSAGES.authorizationPending);
    return Dialog.EndOfTurn;
  }

  private buildInput(node: ServiceNode, scope: ExpressionScope): { input: Record<string, JsonValue>; problem?: string } {
    const input: Record<string, JsonValue> = {};
    let problem: string | undefined;
    // Null means "not given": optional parameters stay out of the request.
    for (const [key, source] of Object.entries(node.input)) {
      if (node.operation === 'twilioRequest' && key === 'path' && typeof source === 'string') {
        const built = evaluatePath(source, scope, { now: () => this.clock.now() });
        if ('problem' in built) problem = built.problem;
        else input[key] = built.path;
        continue;
      }
      if (typeof source === 'string') {
        const value = toJson(this.evaluate(source, scope));
        if (value !== null) input[key] = value;
        continue;
      }
      const nested: Record<string, JsonValue> = {};
      for (const [inner, expression] of Object.entries(source)) {
        const value = toJson(this.evaluate(expression, scope));
        if (value !== null) nested[inner] = value;
      }
      if (Object.keys(nested).length > 0) input[key] = nested;
    }
    return problem === undefined ? { input } : { input, problem };
  }

  private async runService(turn: TurnContext, state: TaskState, node: ServiceNode): Promise<Step> {
    const ref: UserRef = { channelId: turn.activity.channelId, userId: turn.activity.from?.id ?? '' };
    const availability = gatewayAvailability(await this.runtime.resolveGateway(ref));
    switch (availability.kind) {
      case 'needs-user-authorization':
        if (state.authorizationRequested) await turn.sendActivity(MESSAGES.authorizationStillMissing);
        await this.runtime.requestUserAuthorization(turn, availability.profile);
        state.authorizationRequested = true;
        state.waiting = 'authorization';
        this.log('info', 'waiting for user authorization', { node: node.id, profile: availability.profile });
        return { kind: 'wait' };
      case 'unavailable':
        if (availability.code !== undefined) this.log('warn', 'credentials unavailable', { node: node.id, code: availability.code });
        await turn.sendActivity(availability.userMessage);
        return { kind: 'end', status: 'failed' };
      case 'ready':
        break;
    }
    state.authorizationRequested = false;
    const { input, problem } = this.buildInput(node, await this.scope(turn, state));
    const gateway = availability.gateway;
    const runHook = this.runtime.runOperation?.bind(this.runtime);
    const run =
      problem !== undefined
        ? () => Promise.reject(new TwilioActionError({ code: 'invalid_input', status: 0, param: 'Path', twilioMessage: problem, problems: [problem] }))
        : runHook
          ? () => runHook(turn, { operation: node.operation, gateway, input })
          : () => runOperation(gateway, node.operation, input);
    const effects = turnEffectsOf(turn);
    try {
      const outcome = effects
        ? await effects.perform(
            { ref, dialog: this.task.id, node: node.id, occurrence: this.nextOccurrence(turn, node.id), operation: node.operation, input, gateway },
            run,
          )
        : await run();
      const result = toJson(outcome);
      state.result = result;
      state.error = null;
      if (node.resultAs !== undefined) state.context[node.resultAs] = result;
      this.log('info', 'service call succeeded', { node: node.id, operation: node.operation });
      await this.runtime.afterService?.(turn, { operation: node.operation, gateway, result: outcome }).catch((err: unknown) => {
        this.log('error', 'after-service hook failed', { operation: node.operation, problem: err instanceof Error ? err.message : String(err) });
      });
    } catch (err) {
      if (err instanceof TurnSupersededError) throw err;
      state.result = null;
      state.error = errorInfo(err);
      this.log(err instanceof TwilioActionError ? 'warn' : 'error', 'service call failed', {
        node: node.id,
        operation: node.operation,
        code: state.error.code,
        status: state.error.status,
        message: state.error.message,
      });
      if (isTwentyThree(state.error.code)) await this.runtime.reportAuthFailure(ref, state.error.code);
    }
    await this.auditService(turn, ref, node, input, state);

    const scope = await this.scope(turn, state);
    for (const transition of node.transitions ?? []) {
      if (isTruthy(this.evaluate(transition.if, scope))) return { kind: 'goto', to: transition.then };
    }
    if (state.error === null) {
      return node.next === undefined ? { kind: 'end', status: 'completed' } : { kind: 'goto', to: node.next };
    }
    // A failure no transition handles ends the dialog with Twilio's reason in words a person can read.
    await turn.sendActivity(isTwentyThree(state.error.code) ? MESSAGES.notAuthorized : state.error.userMessage);
    return { kind: 'end', status: 'failed' };
  }

  /** Counts this node's Twilio calls in the turn, so each call of a node that runs twice is its own intent. */
  private nextOccurrence(turn: TurnContext, nodeId: string): number {
    const key = `${OCCURRENCES_KEY}:${this.task.id}:${nodeId}`;
    const seen: unknown = turn.turnState.get(key);
    const occurrence = typeof seen === 'number' ? seen : 0;
    turn.turnState.set(key, occurrence + 1);
    return occurrence;
  }

  /** Audits the call when the definition says the operation is audited (verification starts and checks). */
  private async auditService(
    turn: TurnContext,
    ref: UserRef,
    node: ServiceNode,
    input: Record<string, JsonValue>,
    state: TaskState,
  ): Promise<void> {
    const action = auditActionOf(node.operation);
    if (action === undefined) return;
    const result = isRecord(state.result) ? state.result : {};
    if (action === 'twilio.request') {
      // Like `tva api`'s entry: where the call went, never its parameters or Twilio's reply.
      const where = { method: input['method'] ?? null, domain: input['domain'] ?? null, path: input['path'] ?? null };
      await this.writeAudit(turn, {
        actor: `${ref.channelId}:${ref.userId}`,
        action,
        outcome: state.error ? `error:${String(state.error.code)}` : 'ok',
        details: { dialog: this.task.id, node: node.id, ...where },
      });
      return;
    }
    let outcome: string;
    if (state.error) outcome = `error:${String(state.error.code)}`;
    else if (action === 'verification.check') outcome = result['status'] === 'approved' ? 'approved' : 'wrong-code';
    else outcome = typeof result['status'] === 'string' ? result['status'] : 'unknown';
    // A verification update names no To: its target is the one Twilio answers with.
    const target = typeof input['to'] === 'string' ? input['to'] : result['to'];
    const to = typeof target === 'string' ? target : undefined;
    const details: Record<string, unknown> = { dialog: this.task.id, node: node.id };
    if (typeof input['channel'] === 'string') details['channel'] = input['channel'];
    if (typeof result['sid'] === 'string') details[action === 'sms.send' ? 'messageSid' : 'verificationSid'] = result['sid'];
    await this.writeAudit(turn, {
      actor: `${ref.channelId}:${ref.userId}`,
      action,
      ...(to === undefined ? {} : { target: to.length > 4 ? `…${to.slice(-4)}` : '…' }),
      outcome,
      details,
    });
  }

  /** An audit entry that cannot be written is logged; it does not fail the user's turn. */
  private async writeAudit(turn: TurnContext, entry: AuditRecord): Promise<void> {
    try {
      await this.runtime.audit(entry, turn);
    } catch (err) {
      this.log('error', 'audit failed', { action: entry.action, problem: err instanceof Error ? err.message : String(err) });
    }
  }
}
