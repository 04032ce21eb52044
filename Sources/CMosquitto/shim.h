#ifndef CITYFEEDS_CMOSQUITTO_SHIM_H
#define CITYFEEDS_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
