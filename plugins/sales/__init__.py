"""guanxi_sales: sales force automation (销售力量自动化) as a guanxi plugin.

Accounts and contacts on the core customer record, opportunities in configurable
pipelines with every stage change recorded, activities and calendars (iCalendar
export), products and versioned quotes, forecasts, commissions, competitors, win/loss
analysis and expense reports. Everything that happens is also logged to the core
interaction log (``sales.*`` kinds), so other plugins use it without importing this one.
"""

__version__ = "0.1.0"
