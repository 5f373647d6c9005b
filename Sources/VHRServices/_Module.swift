enum _VHRServicesModule {}
