/** The flags every client command takes, and the client they make. */
import WebSocket from 'ws';
import { createClient, type InferGraphClient } from '../../clients/sdk/src/index.ts';
import { UsageError } from './exit-codes.ts';
import type { CliIo } from './io.ts';

const DEFAULT_URL = 'http://localhost:4000/graphql';

export const CLIENT_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CLIENT_FLAGS_HELP = `  --url URL         the server's GraphQL endpoint; INFERGRAPH_URL, else ${DEFAULT_URL}
  --api-key KEY     an API key; INFERGRAPH_API_KEY
  --token JWT       a JWT instead of a key
  --json            print machine JSON on stdout instead of a table
  -h, --help        print this text
`;

export interface ClientFlags {
  url?: string | undefined;
  'api-key'?: string | undefined;
  token?: string | undefined;
}

/** The server's url and the credential to send it: the flag, else the variable. */
function connectionOf(flags: ClientFlags, { env }: CliIo): { url: string; credential: string | undefined } {
  return {
    url: flags.url || env.INFERGRAPH_URL || DEFAULT_URL,
    credential: flags.token || flags['api-key'] || env.INFERGRAPH_API_KEY || undefined,
  };
}

export function clientOf(flags: ClientFlags, io: CliIo): InferGraphClient {
  const { url, credential } = connectionOf(flags, io);
  return createClient({
    url,
    // ws's WebSocket, since the Node that runs the CLI may predate a global one.
    webSocketImpl: WebSocket,
    ...(credential ? { apiKey: credential } : {}),
  });
}

/** The number a flag names, undefined when it is not given; anything that is not a number is a usage error. */
export function numberFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, got "${text}"`);
  return value;
}
