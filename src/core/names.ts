// The core's enumerations as plain constants, free of zod, so the webview bundle can share them.
export const SESSION_STATUSES = ['active', 'paused', 'completed', 'archived', 'error'] as const;
export const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
export const MESSAGE_STATES = ['complete', 'partial', 'error'] as const;
