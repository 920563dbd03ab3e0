// The contract every workspace imports. No barrel elsewhere: this package is the one boundary.
export * from './primitives.js';
export * from './password.js';
export * from './text.js';
export * from './record.js';
export * from './group-ref.js';
export * from './actions.js';
export * from './message.js';
export * from './group.js';
export * from './integrations.js';
export * from './webhooks.js';
export * from './errors.js';
export * from './profile.js';
export * from './rest.js';
export * from './search.js';
export * from './socket.js';
export * from './validate.js';
