import type { TwilioGateway } from './client';
import { toTwilioActionError, TwilioActionError } from './errors';
import { invalidInputError, lazyValidator } from './validation';

/**
 * An operation of the action: what it does, the JSON Schemas of its input and output (for the manifest, the dialog
 * editor and ajv), and `run`, which validates the input, calls Twilio and checks the reply's shape.
 */
export interface Operation<TOutput = unknown> {
  readonly description: string;
  readonly inputSchema: object;
  readonly outputSchema: object;
  /** Throws TwilioActionError only; invalid input never reaches the network. */
  run(gw: TwilioGateway, input: unknown): Promise<TOutput>;
}

export interface OperationSpec<TParsed> {
  description: string;
  inputSchema: object;
  outputSchema: object;
  /** Gets input that passed the input schema (defaults applied); returns what must pass the output schema. */
  handler(gw: TwilioGateway, input: TParsed): Promise<unknown>;
}

/**
 * Builds an Operation. `TParsed` and `TOutput` are derived from the two schemas by the caller
 * (`FromSchema<typeof inputSchema>`), so the types cannot drift from what ajv checks.
 */
export function defineOperation<TParsed, TOutput>(spec: OperationSpec<TParsed>): Operation<TOutput> {
  const validateInput = lazyValidator<TParsed>(spec.inputSchema);
  const validateOutput = lazyValidator<TOutput>(spec.outputSchema);
  return Object.freeze({
    description: spec.description,
    inputSchema: spec.inputSchema,
    outputSchema: spec.outputSchema,
    async run(gw: TwilioGateway, input: unknown): Promise<TOutput> {
      // useDefaults writes into the object it validates: work on a copy so the caller's object stays as it was.
      const candidate: unknown = typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...input } : input;
      const checkInput = validateInput();
      if (!checkInput(candidate)) throw invalidInputError(checkInput.errors);
      let output: unknown;
      try {
        output = await spec.handler(gw, candidate);
      } catch (error) {
        throw toTwilioActionError(error);
      }
      const checkOutput = validateOutput();
      if (!checkOutput(output)) {
        const where = (checkOutput.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()).slice(0, 3).join('; ');
        throw new TwilioActionError({
          code: 'malformed_response',
          status: 0,
          twilioMessage: `Twilio's reply does not have the expected shape (${where})`,
        });
      }
      return output;
    },
  });
}
