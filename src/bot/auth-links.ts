/**
 * The one-time authorization links moved to src/auth (links.ts), beside the credentials they collect. This re-export
 * keeps `./auth-links` imports within src/bot working until they import from `../auth`.
 */
export {
  AUTH_LINK_TTL_MS,
  AUTH_LINKS_NAMESPACE,
  AuthLinks,
  sha256Hex,
  type AuthLinkLookup,
  type AuthLinkRecord,
  type AuthLinksOptions,
} from '../auth';
