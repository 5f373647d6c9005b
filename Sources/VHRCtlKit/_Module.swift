enum _VHRCtlKitModule {}
