import { SSL_MODES } from '../connection/connection-settings.js';

/** JSON-schema fragments shared by the routes. Bodies refuse unknown fields. */

export interface DeviceParams {
  device: string;
}

export const deviceParams = {
  type: 'object',
  required: ['device'],
  additionalProperties: false,
  properties: { device: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/** Params of a route under /api/devices/:device/…/:id. */
export const deviceIdParams = {
  type: 'object',
  required: ['device', 'id'],
  additionalProperties: false,
  properties: { device: deviceParams.properties.device, id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const uuid = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const;

/** An empty object body (or none). */
export const emptyBody = { type: 'object', additionalProperties: false, properties: {} } as const;

export const limitQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 } },
} as const;

/** Connection settings as a form sends them; the password is write-only. */
export const connectionBody = {
  type: 'object',
  required: ['host', 'database', 'user'],
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1, maxLength: 255 },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 5432 },
    database: { type: 'string', minLength: 1, maxLength: 63 },
    user: { type: 'string', minLength: 1, maxLength: 63 },
    password: { type: ['string', 'null'], maxLength: 1024 },
    sslMode: { type: 'string', enum: [...SSL_MODES], default: 'prefer' },
    sslRootCert: { type: ['string', 'null'], maxLength: 4096 },
  },
} as const;

/** What the API shows of saved settings: never a password. */
export const connectionView = {
  type: 'object',
  additionalProperties: false,
  required: ['saved', 'settings', 'hasPassword', 'url'],
  properties: {
    saved: { type: 'boolean' },
    hasPassword: { type: 'boolean' },
    url: { type: ['string', 'null'] },
    settings: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        host: { type: 'string' },
        port: { type: 'integer' },
        database: { type: 'string' },
        user: { type: 'string' },
        sslMode: { type: 'string' },
        sslRootCert: { type: 'string' },
      },
    },
  },
} as const;
