export { CredentialService, type CredentialRole, type CredentialView, type NewCredential, type PeerPrincipal, type Principal, type SharedSecrets } from './credentials.js';
export { SESSION_COOKIE, SessionCookies } from './session-cookie.js';
export { bearerToken, digest, sameDigest, upgradeToken } from './tokens.js';
