"""Finnish and EU invoicing rules as pure functions: no I/O, no settings, no web or database.

Facts and worked examples: ../shared/domain/finnish-invoicing.md. Every public function names
the rule and its source in its docstring.
"""
