print("vhrd")
