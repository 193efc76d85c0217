// Conversations in IndexedDB, one record per conversation, in a database of their own (the
// model store's databases are the engine's).
import { createStore, del, set, values } from 'idb-keyval';
import type { Conversation } from '../state/conversation.ts';

const store = createStore('qwen-local-chats', 'conversations');

/** The raw records: they were written by this app, but maybe by an older or broken build. */
export function readConversations(): Promise<unknown[]> {
  return values<unknown>(store);
}

export function writeConversation(conversation: Conversation): Promise<void> {
  return set(conversation.id, conversation, store);
}

export function deleteConversation(id: string): Promise<void> {
  return del(id, store);
}
