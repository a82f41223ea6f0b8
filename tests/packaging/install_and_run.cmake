# The install, as a package lays it out, and the installed workbench run: `cmake --install` into a
# temporary root, then the installed `motionprobe` in scripted mode (offscreen) probes a shipped
# example with the installed toy model and pictures the views. Fails on any non-zero exit or a
# missing file. Run by CTest: cmake -DBUILD_DIR=... -DWORK_DIR=... -P this file.
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/root"
    RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
foreach(f bin/motionprobe bin/motionprobe-cli
        share/motionprobe/resources/models/toy/t2v/model_index.json
        share/applications/org.motionprobe.Workbench.desktop
        share/metainfo/org.motionprobe.Workbench.metainfo.xml
        share/icons/hicolor/scalable/apps/org.motionprobe.Workbench.svg)
    if(NOT EXISTS "${WORK_DIR}/root/${f}")
        message(FATAL_ERROR "the install lacks ${f}")
    endif()
endforeach()
# Nothing from the source tree: the installed binary must find the installed resources.
set(ENV{QT_QPA_PLATFORM} offscreen)
set(ENV{HOME} "${WORK_DIR}/home")
set(ENV{XDG_DATA_HOME} "${WORK_DIR}/home/.local/share")
set(ENV{MOTIONPROBE_STORE} "${WORK_DIR}/store.sqlite")
execute_process(
    COMMAND "${WORK_DIR}/root/bin/motionprobe" --demo 1 --run probe --steps 2 --interval 500
            --screenshots "${WORK_DIR}/shots" --quit
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the installed motionprobe exited with ${rc}:\n${out}\n${err}")
endif()
foreach(shot probe tradeoff compare experiments)
    if(NOT EXISTS "${WORK_DIR}/shots/${shot}.png")
        message(FATAL_ERROR "the installed motionprobe wrote no ${shot}.png:\n${err}")
    endif()
endforeach()
execute_process(COMMAND "${WORK_DIR}/root/bin/motionprobe-cli" version
    RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the installed motionprobe-cli exited with ${rc}")
endif()
message(STATUS "installed and ran: ${out}")
file(REMOVE_RECURSE "${WORK_DIR}")
