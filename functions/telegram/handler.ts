/**
 * Telegram Lambda: the bot's webhook (behind a function URL; a wrong or missing secret token is answered
 * 401 and nothing happens) and the alert forwarder (the alert topic's queue hands it batches). Commands
 * from the allowed chats go to the admin function of the account the instance trades on; this function
 * holds no exchange key and touches no state itself.
 */
import { telegramHandler } from '../../shared/composition/telegram-lambda.js';

export const handler = telegramHandler();
