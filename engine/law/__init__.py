"""The law as data: conditions, penalty formulas, dated parameters, citations, sources, the ruleset loader."""
