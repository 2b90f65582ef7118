/**
 * A chat with the operator (Telegram): messages out, updates in. The application formats and decides; the
 * adapter (`adapters/telegram/`) speaks the Bot API. Texts are Telegram HTML (`<b>`, `<i>`, `<code>`,
 * `<pre>`; `&`, `<`, `>` escaped).
 */

/** An inline button under a message; `data` comes back in a `callback` update (at most 64 bytes). */
export interface ChatButton {
  readonly text: string;
  readonly data: string;
}

export interface ChatPort {
  /** Sends one message; rejects when the Bot API refuses it (after its own retry of a 429). */
  send(chatId: number, html: string, buttons?: readonly ChatButton[]): Promise<void>;
  /** Acknowledges a button press (the spinner on the phone stops), with an optional toast text. */
  answerCallback(callbackId: string, text?: string): Promise<void>;
}

/** Who sent an update: the Telegram user id and, when they have one, their @username. */
export interface ChatSender {
  readonly id: number;
  readonly username?: string | undefined;
}

export type ChatUpdate =
  | {
      readonly kind: 'message';
      readonly updateId: number;
      readonly chatId: number;
      readonly from: ChatSender | undefined;
      readonly text: string;
    }
  | {
      readonly kind: 'callback';
      readonly updateId: number;
      readonly chatId: number;
      readonly from: ChatSender;
      readonly callbackId: string;
      readonly data: string;
    }
  /** Anything else (an edited message, a member change, a photo): counted and ignored. */
  | { readonly kind: 'other'; readonly updateId: number; readonly chatId: number | undefined };
