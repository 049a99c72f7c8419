/**
 * The parts of `npm start` (src/main.ts reads as their outline): the configuration from the environment, which
 * Twilio to use (the zero-config emulator or `TWILIO_*`), the bot and its dialogs, the logger, the banner.
 */
export { loadConfig, StartupError, type Config } from './config';
export { chooseTwilio, type TwilioChoice, type TwilioChoiceOptions } from './zero-config';
export { startBot, type BotStartOptions, type StartedBot } from './bot';
export { createLogger, REDACTED_PATHS } from './logger';
export { listen } from './listen';
export { printBanner, reportSecrets, type Banner } from './report';
export { buildServer, type ServeOptions } from './serve';
export { Closers, PublicAddress } from './lifetime';
