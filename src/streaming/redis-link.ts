/**
 * The replica's link to Redis: a command client (publish, the rate-limit script) and a subscriber
 * client (pub/sub takes a connection of its own), whether both are up, and one log line when the
 * link is lost and one when it is back. ioredis reconnects by itself, so recovery needs nothing
 * from us but noticing it.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/logger.ts';

export interface RedisLinkOptions {
  url: string;
  /** The channels the subscriber listens on; the link counts as up once it has subscribed to them all. */
  channels: readonly string[];
  logger: Logger;
  /** Called on each change between up and down. */
  onChange?: (connected: boolean) => void;
  /** Longest pause between reconnection attempts, in ms. @default 1000 */
  maxReconnectDelayMs?: number;
  /**
   * How long a command may wait for Redis's answer, in ms; past it the command fails (a rate limit
   * is then decided locally) and the link counts as down until a PING is answered again. @default 500
   */
  commandTimeoutMs?: number;
  /** How often the link PINGs Redis, in ms: a Redis that stopped answering without closing the socket (a network partition) is noticed this way. @default 1000 */
  heartbeatMs?: number;
}

export interface RedisLink extends AsyncDisposable {
  /** Commands fail at once while Redis is down (no offline queue): a caller falls back rather than waits. */
  readonly commands: Redis;
  /** Subscriptions made while Redis is down are queued, and ioredis makes them again after each reconnect. */
  readonly subscriber: Redis;
  /** Both clients connected and the subscriber subscribed to every channel. */
  readonly connected: boolean;
  close(): Promise<void>;
}

export function createRedisLink({
  url,
  channels,
  logger,
  onChange,
  maxReconnectDelayMs = 1000,
  commandTimeoutMs = 500,
  heartbeatMs = 1000,
}: RedisLinkOptions): RedisLink {
  const shared: RedisOptions = {
    // ioredis's default climbs to 2 s; a replica should find Redis again about as soon as it is back.
    retryStrategy: (attempts) => Math.min(attempts * 100, maxReconnectDelayMs),
    // A command must not wait for Redis: the rate limits fall back to local buckets instead.
    maxRetriesPerRequest: 0,
    lazyConnect: false,
  };
  const commands = new Redis(url, {
    ...shared,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectionName: 'infergraph-commands',
  });
  const subscriber = new Redis(url, { ...shared, maxRetriesPerRequest: null, connectionName: 'infergraph-events' });
  let commandsUp = false;
  let subscribed = false;
  /** The last PING was answered in time (or none was sent yet since the connection came up). */
  let answering = true;
  let connected = false;
  /** Whether the link was ever up: the first failure to connect is logged as such, not as a loss. */
  let everUp = false;
  let lossLogged = false;
  let closing = false;

  function update(): void {
    const now = commandsUp && subscribed && answering;
    if (now === connected) return;
    connected = now;
    if (now) {
      logger.info({ redis: redacted(url) }, everUp ? 'Redis is back: events and rate limits are shared again' : 'connected to Redis');
      everUp = true;
      lossLogged = false;
    } else if (!closing && !lossLogged) {
      lossLogged = true;
      logger.warn({ redis: redacted(url) }, 'lost Redis: events stay on this replica and rate limits count here until it is back');
    }
    onChange?.(now);
  }

  function noteDown(): void {
    if (closing) return;
    if (!everUp && !lossLogged) {
      lossLogged = true;
      logger.warn({ redis: redacted(url) }, 'cannot reach Redis: events stay on this replica and rate limits count here until it answers');
    }
    update();
  }

  // Without a listener ioredis prints every failed attempt to the console; the state changes above say it once.
  commands.on('error', () => {});
  subscriber.on('error', () => {});
  commands.on('ready', () => {
    commandsUp = true;
    answering = true;
    update();
  });
  commands.on('close', () => {
    commandsUp = false;
    noteDown();
  });
  subscriber.on('ready', () => {
    // Sent after the subscriptions ioredis makes again on its own: their answers come first, so when
    // this one is answered every channel is listened to.
    subscriber.subscribe(...channels).then(
      () => {
        subscribed = subscriber.status === 'ready';
        update();
      },
      () => {},
    );
  });
  subscriber.on('close', () => {
    subscribed = false;
    noteDown();
  });

  // A socket to a Redis that stopped answering stays open: only an unanswered PING shows it.
  const heartbeat = setInterval(() => {
    if (!commandsUp) return;
    commands.ping().then(
      () => {
        answering = true;
        update();
      },
      () => {
        answering = false;
        noteDown();
      },
    );
  }, heartbeatMs);
  heartbeat.unref();

  const link: RedisLink = {
    commands,
    subscriber,
    get connected() {
      return connected;
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(heartbeat);
      await Promise.all([quit(commands, commandTimeoutMs), quit(subscriber, commandTimeoutMs)]);
    },
    [Symbol.asyncDispose]() {
      return link.close();
    },
  };
  return link;
}

/** QUIT when connected (pending replies arrive first), unless Redis does not answer it in time; else drop the connection and its reconnect loop. */
async function quit(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const quit = client.quit().then(
      () => true,
      () => false,
    );
    const done = await Promise.race([quit, late]);
    clearTimeout(timer);
    if (done) return;
  }
  client.disconnect(false);
}

/** The URL without its password, for the log. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
