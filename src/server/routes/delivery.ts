/**
 * Message delivery over HTTP: `POST /twilio/status` (audience `twilio`: Twilio's signed status callbacks, checked by
 * the receiver against the sending credentials' Auth Token) and `GET /api/admin/messages` (audience `admin`: the
 * recent messages with their status, numbers masked, no bodies).
 */
import type { Request, Response } from 'restify';
import type { MessageLedger, StatusCallbackAnswer, StatusCallbackRequest } from '../../delivery';
import { mountRoutes } from '../audiences';
import { HttpError, readForm, sendError, sendJson } from '../http';

export const STATUS_CALLBACK_PATH = '/twilio/status';
/** Twilio's status callbacks are small forms; anything larger is not one. */
const FORM_LIMIT_BYTES = 8 * 1024;

export interface DeliveryRouteDeps {
  messages: MessageLedger;
  /** Handles one callback (src/delivery's receiveStatusCallback with the server's parts). */
  receive(request: StatusCallbackRequest): Promise<StatusCallbackAnswer>;
  /** Where Twilio reaches this server (PUBLIC_BASE_URL, or the listening URL): the signed URL is built on it. */
  publicBaseUrl(): string;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The URL Twilio called, as Twilio saw it: the public base URL, the path and the query exactly as requested. */
function calledUrl(base: string, req: Request): string {
  const target = req.url ?? STATUS_CALLBACK_PATH;
  const query = target.includes('?') ? target.slice(target.indexOf('?')) : '';
  return `${base.replace(/\/+$/, '')}${STATUS_CALLBACK_PATH}${query}`;
}

export function registerDeliveryRoutes(server: Parameters<typeof mountRoutes>[0], deps: DeliveryRouteDeps): void {
  mountRoutes(server, [
    {
      method: 'post',
      path: STATUS_CALLBACK_PATH,
      auth: 'twilio',
      handler: async (req: Request, res: Response) => {
        try {
          const form = await readForm(req, FORM_LIMIT_BYTES);
          const params: Record<string, string> = {};
          for (const [name, value] of form) {
            if (Object.hasOwn(params, name)) throw new HttpError(400, 'invalid_callback', `The form repeats ${name}: a status callback names each field once.`);
            params[name] = value;
          }
          const answer = await deps.receive({ url: calledUrl(deps.publicBaseUrl(), req), params, signature: header(req, 'x-twilio-signature') });
          sendJson(res, answer.status, { outcome: answer.outcome, message: answer.message });
        } catch (err) {
          sendError(res, err);
        }
      },
    },
    {
      method: 'get',
      path: '/api/admin/messages',
      auth: 'admin',
      handler: async (_req: Request, res: Response) => {
        const recent = await deps.messages.recent(100);
        sendJson(res, 200, {
          messages: recent.map((m) => ({
            sid: m.sid,
            to: m.to,
            status: m.status,
            errorCode: m.errorCode,
            sentBy: m.sender.kind === 'action' ? 'action' : `${m.sender.channelId}:${m.sender.userId}`,
            history: m.history,
            notified: m.notified,
            createdAt: m.createdAt,
            updatedAt: m.updatedAt,
          })),
        });
      },
    },
  ]);
}
