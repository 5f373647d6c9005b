print("vhrctl")
