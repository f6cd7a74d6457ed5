import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the app server answers outside `/api/`: the built app in production, Vite in development. */
export interface Pages {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}
