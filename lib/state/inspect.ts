/** Runs a stream of events through an Inspector, so that each one carries its state. */
import type { Event } from '../events/event.js';
import type { EventBatch } from '../events/batch.js';
import type { SectionMetadata } from '../scapfile/writer.js';
import { Inspector, type InspectorOptions } from './inspector.js';

interface Source {
  readonly metadata: SectionMetadata;
  batches(): AsyncIterable<EventBatch>;
  /** A Capture opened with state (openCapture's default) has an Inspector of its own. */
  readonly hasState?: boolean;
}

/**
 * Events of a capture with their state: `evt.thread`, `evt.fd`, `evt.user`,
 * `evt.field('proc.name')`. Read them before taking the next event (the
 * tables move on, as libsinsp's do). A file's later sections start from
 * their own metadata. A capture that keeps state itself (`openCapture`
 * does by default) hands its events on as they are, `options` unused.
 */
export async function* inspect(capture: Source, options: InspectorOptions = {}): AsyncGenerator<Event> {
  // Its events already carry their state (the capture's own Inspector): hand them on.
  if (capture.hasState && Symbol.asyncIterator in capture) {
    yield* capture as unknown as AsyncIterable<Event>;
    return;
  }
  let inspector: Inspector | undefined;
  let section: unknown;
  for await (const batch of capture.batches()) {
    const sec = (batch as { section?: SectionMetadata }).section;
    if (!inspector || (sec && sec !== section)) {
      inspector = new Inspector(sec ?? capture.metadata, { ...options, eventsBefore: inspector?.nevts ?? 0 });
      section = sec;
    }
    for (let i = 0; i < batch.length; i++) {
      const e = batch.at(i);
      inspector.process(e);
      yield e;
    }
  }
}
