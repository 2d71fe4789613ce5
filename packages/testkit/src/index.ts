export {};
export * from './memory-backend.js';
