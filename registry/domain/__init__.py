"""Domain rules without I/O: normalisation of Swedish register data and the actor vocabulary."""
