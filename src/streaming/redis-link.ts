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

export function createRedisLink({ url, channels, logger, onChange, maxReconnectDelayMs = 1000 }: RedisLinkOptions): RedisLink {
  const shared: RedisOptions = {
    // ioredis's default climbs to 2 s; a replica should find Redis again about as soon as it is back.
    retryStrategy: (attempts) => Math.min(attempts * 100, maxReconnectDelayMs),
    // A command must not wait for Redis: the rate limits fall back to local buckets instead.
    maxRetriesPerRequest: 0,
    lazyConnect: false,
  };
  const commands = new Redis(url, { ...shared, enableOfflineQueue: false, connectionName: 'infergraph-commands' });
  const subscriber = new Redis(url, { ...shared, maxRetriesPerRequest: null, connectionName: 'infergraph-events' });
  let commandsUp = false;
  let subscribed = false;
  let connected = false;
  /** Whether the link was ever up: the first failure to connect is logged as such, not as a loss. */
  let everUp = false;
  let lossLogged = false;
  let closing = false;

  function update(): void {
    const now = commandsUp && subscribed;
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

  const link: RedisLink = {
    commands,
    subscriber,
    get connected() {
      return connected;
    },
    async close() {
      if (closing) return;
      closing = true;
      await Promise.all([quit(commands), quit(subscriber)]);
    },
    [Symbol.asyncDispose]() {
      return link.close();
    },
  };
  return link;
}

/** QUIT when connected (pending replies arrive first), else drop the reconnect loop at once. */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection went away while quitting.
    }
  }
  client.disconnect(false);
}

/** The URL without its password, for the log. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
