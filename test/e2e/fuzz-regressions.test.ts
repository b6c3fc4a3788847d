/**
 * What the fuzzer (fuzz.test.ts) found, one regression test each: requests that reached the
 * client as INTERNAL or closed a socket with 4500, though the fault was the request's.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { expectFailure } from '../fixtures/failures.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { TRANSPORTS } from '../fixtures/transports.ts';

const server = forSuite(() => serveModels((repository) => repository.copyExample('glyphs')));

/** A raw graphql-ws socket that has sent connection_init, and the close code it will end with. */
async function rawSocket() {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init' }));
  const closed = once(socket, 'close').then(([code]) => code as number);
  return { socket, closed };
}

describe.each(TRANSPORTS)('a document that does not parse, over $name', (transport) => {
  it('should be answered INVALID_ARGUMENT naming the syntax error, not INTERNAL or a closed socket', async () => {
    const result = await transport.execute(server, '{ models { name ');
    expect(expectFailure(result, 'INVALID_ARGUMENT')).toMatch(/^Syntax Error: Expected Name, found <EOF>/);
    // The socket (over graphql-ws) is still open: the next operation on it is answered.
    expect((await transport.execute(server, '{ models { name } }')).data).toEqual({ models: [{ name: 'glyphs' }] });
  });
});

describe.each(TRANSPORTS)('a document with two operations and no operation name, over $name', (transport) => {
  it('should be answered INVALID_ARGUMENT, in our vocabulary rather than yoga’s own code', async () => {
    const result = await transport.execute(server, 'query A { models { name } } query B { models { name } }');
    expectFailure(result, 'INVALID_ARGUMENT');
  });
});

describe('a graphql-ws client sending a message only a server may send', () => {
  it.each(['connection_ack', 'next', 'error'])('should close the socket with 4400 on %s, as the protocol says, not 4500', async (type) => {
    const { socket, closed } = await rawSocket();
    socket.send(JSON.stringify({ type, id: '1', payload: {} }));
    expect(await closed).toBe(4400);
  });
});

describe('a multipart request whose map is not lists of paths', () => {
  it('should be answered INVALID_ARGUMENT (400), not INTERNAL', async () => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation ($f: File) { __typename }', variables: { f: null } }));
    form.append('map', JSON.stringify({ 0: {} }));
    form.append('0', new Blob([new Uint8Array(4)]), 'tensor.bin');
    const response = await fetch(server.url, { method: 'POST', body: form, headers: { accept: 'application/graphql-response+json' } });
    const message = expectFailure({ status: response.status, ...((await response.json()) as object) }, 'INVALID_ARGUMENT', { status: 400 });
    expect(message).toContain('"map" a JSON object of part names to lists of paths');
  });
});
