"""Data: the one Dataset type, a loader per file format, the name -> dataset registry, preprocessing
into padded integer sequences, the embedded shop's generator, statistics and the MovieLens download."""
