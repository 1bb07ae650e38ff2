// node --conditions=source --import tsx examples/order-checkout/main.ts
import { runOrderCheckout } from './run.js';

await runOrderCheckout();
