// Peers for vhr-bench only (boost, JACK, PipeWire's spa): C entry points over each peer's ring.
#pragma once
