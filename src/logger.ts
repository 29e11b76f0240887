import pino, { type Logger } from 'pino';

/**
 * JSON logs. Anything that could carry a credential is redacted by path, so a token never
 * reaches a log line even when a whole request or config object is logged.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'identity-governance' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-router-secret"]',
          'headers.authorization',
          'authorization',
          'token',
          '*.token',
          'password',
          '*.password',
          'databaseUrl',
          'config.databaseUrl',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
