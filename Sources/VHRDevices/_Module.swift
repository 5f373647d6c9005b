enum _VHRDevicesModule {}
