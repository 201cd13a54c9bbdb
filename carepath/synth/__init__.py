"""The synthetic authority generator: `carepath generate`, and `generate_authority` for the demo.

Everything it makes is synthetic. Modules, in the order a generation runs: organisation (teams and
staff over time), journeys (families and each child's journey), allocation (who held each case),
activity (visits and case notes), planted (failures put in on purpose and listed), with writer
(bulk inserts), calendar (working days), pools (names and phrases) and rates (what it follows).
"""
