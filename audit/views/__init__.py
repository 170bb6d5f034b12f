"""Pages of the audit review (A4) and the disclosure (A5) and breach (A6) registers."""
