import type { Redis } from 'ioredis';
import type { Logger } from '@switchboard/log';

/** One open widget socket, as the hub sees it. */
export interface LivePeer {
  send(data: string): void;
  close(code: number, reason: string): void;
}

/**
 * Fans Redis pub/sub messages out to sockets over one shared subscriber connection. Channels
 * are reference-counted: several tabs of one visitor share one SUBSCRIBE, and the channel is
 * unsubscribed when its last socket leaves.
 */
export interface LiveHub {
  /** Adds `peer` to `channel`; resolves once Redis has confirmed the subscription. */
  join(channel: string, peer: LivePeer): Promise<void>;
  leave(channel: string, peer: LivePeer): void;
  /** Detaches from the subscriber connection (which the caller owns and closes). */
  dispose(): void;
}

/** 1013 "try again later": the widget reconnects, waits for `ready`, then re-syncs history. */
export const LIVE_INTERRUPTED = 1013;

export function createLiveHub(subscriber: Redis, logger: Logger): LiveHub {
  const rooms = new Map<string, { peers: Set<LivePeer>; subscribed: Promise<void> }>();

  const onMessage = (channel: string, payload: string) => {
    const room = rooms.get(channel);
    if (!room) return;
    for (const peer of room.peers) {
      try {
        peer.send(payload);
      } catch (error) {
        logger.warn({ err: error }, 'could not forward a web-chat push');
      }
    }
  };

  const closeAll = (code: number, reason: string) => {
    for (const room of [...rooms.values()]) for (const peer of [...room.peers]) peer.close(code, reason);
  };

  // Pushes published while the subscriber is disconnected are lost; closing the sockets makes
  // every widget reconnect and re-sync its history instead of silently missing replies.
  const onClose = () => {
    if (rooms.size === 0) return;
    logger.warn({ channels: rooms.size }, 'Redis subscriber disconnected: closing web-chat sockets');
    closeAll(LIVE_INTERRUPTED, 'live delivery interrupted');
  };
  subscriber.on('message', onMessage);
  subscriber.on('close', onClose);

  return {
    join(channel, peer) {
      let room = rooms.get(channel);
      if (!room) {
        const created = {
          peers: new Set<LivePeer>(),
          subscribed: subscriber.subscribe(channel).then(() => undefined),
        };
        created.subscribed.catch(() => {
          // a failed SUBSCRIBE must not stick: the next socket tries again
          if (rooms.get(channel) === created) rooms.delete(channel);
        });
        rooms.set(channel, created);
        room = created;
      }
      room.peers.add(peer);
      return room.subscribed;
    },
    leave(channel, peer) {
      const room = rooms.get(channel);
      if (!room || !room.peers.delete(peer) || room.peers.size > 0) return;
      rooms.delete(channel);
      // commands on one connection run in order, so a later SUBSCRIBE of this channel still wins
      subscriber.unsubscribe(channel).catch((error: unknown) => logger.warn({ err: error, channel }, 'UNSUBSCRIBE failed'));
    },
    dispose() {
      subscriber.off('message', onMessage);
      subscriber.off('close', onClose);
    },
  };
}
