export { MAX_USAGE_DAYS, UsageService, overBudgetMessage, ownerOf, scopeName, scopesOf, utcDay, type BudgetScope, type FullBudgets, type UsageOwner } from './usage-service.js';
