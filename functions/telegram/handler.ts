/**
 * Telegram webhook Lambda (behind a function URL): Telegram POSTs each update here with the secret token
 * set at `setWebhook`; a wrong or missing token is answered 401 and nothing happens. Commands from the
 * allowed chats go to the admin function of the account the instance trades on (the same admin service
 * as `gridbot <command> --aws`); this function holds no exchange key and touches no state itself.
 */
import { telegramWebhookHandler } from '../../shared/composition/telegram-lambda.js';

export const handler = telegramWebhookHandler();
