print("vhr-bench: not built yet")
