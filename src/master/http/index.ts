export { ApiError, HTTP_STATUS } from './api-error.js';
export { createHttpApp, type HttpAppOptions } from './app.js';
